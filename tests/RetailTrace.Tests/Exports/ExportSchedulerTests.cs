using RetailTrace.Data;
using RetailTrace.Exports;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Exports;

/// <summary>
/// The daily schedule (local export time in the dispensary's IANA zone, once per local day), the claim
/// between racing processes, and recovery: a dead process's claim and a crash mid-stream are retried and
/// never leave a partial file behind.
/// </summary>
public abstract class ExportSchedulerTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public async Task Export_starts_at_the_local_export_time_once_per_local_day()
    {
        // New York in January is UTC-5: 02:00 local is 07:00 UTC.
        var time = new ManualTime(Utc(2025, 1, 10, 6, 59));
        await using var host = new ExportHost(app, time, ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true, timeZone: "America/New_York", exportTime: "02:00");
        await app.EnableOnlyAsync(d.Uuid);

        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 1, 10, 7, 0);
        Assert.Equal(1, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 1, 10, 23, 0);
        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 1, 11, 4, 59); // 23:59 local, still the 10th
        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 1, 11, 6, 59);
        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 1, 11, 7, 0);
        Assert.Equal(1, await host.Scheduler.RunDueAsync(Ct));

        var runs = await app.RunsAsync(d.Uuid);
        Assert.Equal([new DateOnly(2025, 1, 10), new DateOnly(2025, 1, 11)], runs.Select(r => r.ExportDate));
        Assert.All(runs, r => Assert.Equal((ExportStatuses.Done, 1), (r.Status, r.Attempt)));
    }

    [Fact]
    public async Task Export_date_is_the_local_date_east_of_utc()
    {
        // 10:30 UTC on 1 June is 00:30 on 2 June on Kiritimati (UTC+14).
        var time = new ManualTime(Utc(2025, 6, 1, 10, 29));
        await using var host = new ExportHost(app, time, ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true, timeZone: "Pacific/Kiritimati", exportTime: "00:30");
        await app.EnableOnlyAsync(d.Uuid);

        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 6, 1, 10, 30);
        Assert.Equal(1, await host.Scheduler.RunDueAsync(Ct));
        Assert.Equal(new DateOnly(2025, 6, 2), Assert.Single(await app.RunsAsync(d.Uuid)).ExportDate);
        Assert.Equal(200, (await host.Client(d.Client).GetJsonAsync("/api/v1.2/package-uids-export/?export_date=2025-06-02")).Status);
    }

    [Fact]
    public async Task Export_time_skipped_by_spring_forward_runs_right_after_the_gap()
    {
        // 9 March 2025, New York: 01:59 EST (06:59 UTC) is followed by 03:00 EDT (07:00 UTC); 02:30 never happens.
        var time = new ManualTime(Utc(2025, 3, 9, 6, 59));
        await using var host = new ExportHost(app, time, ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true, timeZone: "America/New_York", exportTime: "02:30");
        await app.EnableOnlyAsync(d.Uuid);

        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 3, 9, 7, 0);
        Assert.Equal(1, await host.Scheduler.RunDueAsync(Ct));
        Assert.Equal(new DateOnly(2025, 3, 9), Assert.Single(await app.RunsAsync(d.Uuid)).ExportDate);
    }

    [Fact]
    public async Task Export_time_repeated_by_fall_back_runs_once()
    {
        // 2 November 2025, New York: 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
        var time = new ManualTime(Utc(2025, 11, 2, 5, 29));
        await using var host = new ExportHost(app, time, ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true, timeZone: "America/New_York", exportTime: "01:30");
        await app.EnableOnlyAsync(d.Uuid);

        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 11, 2, 5, 30);
        Assert.Equal(1, await host.Scheduler.RunDueAsync(Ct));
        time.Now = Utc(2025, 11, 2, 6, 30);
        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        Assert.Equal(new DateOnly(2025, 11, 2), Assert.Single(await app.RunsAsync(d.Uuid)).ExportDate);
    }

    [Fact]
    public async Task Disabled_dispensaries_are_not_exported()
    {
        var time = new ManualTime(Utc(2025, 1, 10, 12, 0));
        await using var host = new ExportHost(app, time, ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: false);
        await app.EnableOnlyAsync(d.Uuid);
        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        Assert.Empty(await app.RunsAsync(d.Uuid));
    }

    [Fact]
    public async Task Two_schedulers_racing_generate_the_export_once()
    {
        var dir = ExportArrange.NewExportDir();
        var time = new ManualTime(Utc(2025, 1, 10, 12, 0));
        await using var first = new ExportHost(app, time, dir);
        await using var second = new ExportHost(app, time, dir);
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.EnableOnlyAsync(d.Uuid);
        var c = await app.MintCaseAsync(50);
        await app.ImportAsync(d.Uuid, "PKG-1", c);

        var generated = await Task.WhenAll(first.Scheduler.RunDueAsync(Ct), second.Scheduler.RunDueAsync(Ct), first.Scheduler.RunDueAsync(Ct), second.Scheduler.RunDueAsync(Ct));

        Assert.Equal(1, generated.Sum());
        var run = Assert.Single(await app.RunsAsync(d.Uuid));
        Assert.Equal((ExportStatuses.Done, 1, 50L), (run.Status, run.Attempt, run.LucidIdCount));
        Assert.Single(Directory.GetFiles(dir, "*.json", SearchOption.AllDirectories));
    }

    /// <param name="scheduleOn">Off: the claim was an operator's run-now for a dispensary whose schedule is off, which the
    /// scheduler must finish too.</param>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Claim_of_a_dead_process_is_retried_once_its_lease_ran_out(bool scheduleOn)
    {
        var time = new ManualTime(Utc(2025, 1, 10, 12, 0));
        await using var host = new ExportHost(app, time, ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: scheduleOn);
        await app.EnableOnlyAsync(d.Uuid);
        await app.AddPackageUidAsync(d.Uuid, "PKG-1");
        // Another process claimed today's export and went silent.
        await app.AddRunAsync(d.Uuid, new DateOnly(2025, 1, 10), ExportStatuses.InProgress, time.Now.UtcDateTime);

        time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(0, await host.Scheduler.RunDueAsync(Ct));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await host.Scheduler.RunDueAsync(Ct));

        // What the operator sees; the dispensary gets the file while its exports are on (428 while they are off).
        var (status, runs, _) = await host.Admin().GetJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        Assert.Equal(200, status);
        var run = Assert.Single(runs!.AsArray())!;
        Assert.Equal(("2025-01-10", ExportStatuses.Done, 2, 1L), ((string)run["export_date"]!, (string)run["status"]!, (int)run["attempt"]!, (long)run["package_count"]!));
        Assert.Equal(scheduleOn ? 200 : 428, (await host.Client(d.Client).GetJsonAsync("/api/v1.2/package-uids-export/")).Status);
    }

    [Fact]
    public async Task Claim_left_by_a_dead_process_after_its_date_is_marked_failed()
    {
        var time = new ManualTime(Utc(2025, 1, 10, 12, 0));
        await using var host = new ExportHost(app, time, ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.EnableOnlyAsync(d.Uuid);
        // The process generating the 9th's export died a minute before midnight.
        await app.AddRunAsync(d.Uuid, new DateOnly(2025, 1, 9), ExportStatuses.InProgress, Utc(2025, 1, 9, 23, 59).UtcDateTime);
        var client = host.Client(d.Client);
        Assert.Equal(202, (await client.GetJsonAsync("/api/v1.2/package-uids-export/?export_date=2025-01-09")).Status);

        Assert.Equal(1, await host.Scheduler.RunDueAsync(Ct)); // the 10th's, due since 02:00

        Assert.Equal([(new DateOnly(2025, 1, 9), ExportStatuses.Failed, 1, ExportScheduler.LeftBehindError), (new DateOnly(2025, 1, 10), ExportStatuses.Done, 1, null)],
            (await app.RunsAsync(d.Uuid)).Select(r => (r.ExportDate, r.Status, r.Attempt, r.Error)));
        var answer = await client.GetJsonAsync("/api/v1.2/package-uids-export/?export_date=2025-01-09");
        Assert.Equal(422, answer.Status);
        Assert.Equal("""{"error":"Failed to export package uids."}""", answer.Raw);
    }

    [Fact]
    public async Task Crash_mid_stream_leaves_no_file_and_the_export_is_retried()
    {
        var dir = ExportArrange.NewExportDir();
        var time = new ManualTime(Utc(2025, 1, 10, 12, 0));
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.EnableOnlyAsync(d.Uuid);
        var c = await app.MintCaseAsync(40);
        await app.ImportAsync(d.Uuid, "PKG-1", c);

        await using (var crashing = new ExportHost(app, time, dir, store => new FaultyStore(store, failAfterBytes: 100)))
        {
            Assert.Equal(1, await crashing.Scheduler.RunDueAsync(Ct));
            var failed = Assert.Single(await app.RunsAsync(d.Uuid));
            Assert.Equal(ExportStatuses.Failed, failed.Status);
            Assert.Equal("IOException: Simulated crash: disk went away mid-export.", failed.Error);
            Assert.Null(failed.ObjectKey);
            // Neither a published file nor a leftover temporary one.
            Assert.Empty(Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
            Assert.Equal(422, (await crashing.Client(d.Client).GetJsonAsync("/api/v1.2/package-uids-export/")).Status);
        }

        await using var healthy = new ExportHost(app, time, dir);
        // Failed runs wait a little before the scheduler retries them.
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await healthy.Scheduler.RunDueAsync(Ct));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await healthy.Scheduler.RunDueAsync(Ct));

        var run = Assert.Single(await app.RunsAsync(d.Uuid));
        Assert.Equal((ExportStatuses.Done, 2, (string?)null), (run.Status, run.Attempt, run.Error));
        var client = healthy.Client(d.Client);
        var url = (string)(await client.GetJsonAsync("/api/v1.2/package-uids-export/")).Body!["export_url"]!;
        using var file = await healthy.Client().GetAsync(url, Ct);
        Assert.Equal(ExportArrange.ExpectedFile([("PKG-1", [(c.CaseUuid, c.AllLucidIds)])]), await file.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Scheduler_gives_up_after_three_failed_attempts_but_an_operator_can_run_again()
    {
        var dir = ExportArrange.NewExportDir();
        var time = new ManualTime(Utc(2025, 1, 10, 12, 0));
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.EnableOnlyAsync(d.Uuid);
        await app.ImportAsync(d.Uuid, "PKG-1", await app.MintCaseAsync(40));

        await using (var crashing = new ExportHost(app, time, dir, store => new FaultyStore(store, failAfterBytes: 10)))
        {
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                Assert.Equal(1, await crashing.Scheduler.RunDueAsync(Ct));
                time.Advance(TimeSpan.FromMinutes(6));
            }
            Assert.Equal(0, await crashing.Scheduler.RunDueAsync(Ct));
            Assert.Equal((ExportStatuses.Failed, 3), (await app.RunsAsync(d.Uuid)).Select(r => (r.Status, r.Attempt)).Single());
        }

        await using var healthy = new ExportHost(app, time, dir);
        var (status, run, _) = await healthy.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        Assert.Equal(202, status);
        Assert.Equal(4, (int)run!["attempt"]!);
        await healthy.Scheduler.DrainAsync();
        Assert.Equal((ExportStatuses.Done, 4), (await app.RunsAsync(d.Uuid)).Select(r => (r.Status, r.Attempt)).Single());
    }
}

public sealed class ExportSchedulerTestsOnSqlite(SqliteApp app) : ExportSchedulerTests(app), IClassFixture<SqliteApp>;

public sealed class ExportSchedulerTestsOnPostgres(PostgresApp app) : ExportSchedulerTests(app), IClassFixture<PostgresApp>;
