using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Exports;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Exports;

/// <summary>GET /api/v1.2/package-uids-export/: every status of SPEC.md §7, the file behind the URL, and the signed download links.</summary>
public abstract class ExportsApiTests(AppFixture app)
{
    private const string Url = "/api/v1.2/package-uids-export/";
    private static readonly DateTimeOffset Noon = new(2025, 1, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2025, 1, 15);

    private static string Error(string message) => $$"""{"error":"{{message}}"}""";

    [Fact]
    public async Task Without_a_token_is_401_in_drf_shape()
    {
        using var response = await app.Client().GetAsync(Url, TestContext.Current.CancellationToken);
        await Http.AssertDrfUnauthorizedAsync(response, "Authentication credentials were not provided.");
    }

    [Fact]
    public async Task Brand_client_gets_428()
    {
        var brand = await app.NewBrandAsync();
        var (status, body, _) = await brand.Client.GetJsonAsync(Url);
        Assert.Equal(428, status);
        Assert.Equal(Error(ExportsApi.NotDispensaryError), body.Json());
    }

    [Fact]
    public async Task Dispensary_without_the_feature_gets_428()
    {
        var d = await app.NewDispensaryAsync(exportEnabled: false);
        var (status, body, _) = await d.Client.GetJsonAsync(Url + "?export_date=2020-01-01");
        Assert.Equal(428, status);
        Assert.Equal(Error(ExportsApi.DisabledError), body.Json());
    }

    [Theory]
    [InlineData("?export_date=")]
    [InlineData("?export_date=2025-1-05")]
    [InlineData("?export_date=20250105")]
    [InlineData("?export_date=2025-02-30")]
    [InlineData("?export_date=2025-01-05T00:00:00")]
    [InlineData("?export_date=yesterday")]
    [InlineData("?export_date=2025-01-05&export_date=2025-01-06")]
    public async Task Malformed_export_date_is_400(string query)
    {
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        var (status, body, _) = await d.Client.GetJsonAsync(Url + query);
        Assert.Equal(400, status);
        Assert.Equal(Error(ExportsApi.BadDateError), body.Json());
    }

    [Fact]
    public async Task Future_date_is_judged_in_the_dispensary_time_zone()
    {
        // 20:00 UTC on 1 June is already 2 June on Kiritimati (UTC+14), still 1 June in UTC.
        await using var host = new ExportHost(app, new ManualTime(new DateTimeOffset(2025, 6, 1, 20, 0, 0, TimeSpan.Zero)), ExportArrange.NewExportDir());
        var kiritimati = await app.NewDispensaryAsync(exportEnabled: true, timeZone: "Pacific/Kiritimati");
        var utc = await app.NewDispensaryAsync(exportEnabled: true);

        Assert.Equal((404, Error(ExportsApi.NotAvailableError)), await GetAsync(host.Client(kiritimati.Client), "?export_date=2025-06-02"));
        Assert.Equal((400, Error(ExportsApi.FutureDateError)), await GetAsync(host.Client(kiritimati.Client), "?export_date=2025-06-03"));
        Assert.Equal((404, Error(ExportsApi.NotAvailableError)), await GetAsync(host.Client(utc.Client), "?export_date=2025-06-01"));
        Assert.Equal((400, Error(ExportsApi.FutureDateError)), await GetAsync(host.Client(utc.Client), "?export_date=2025-06-02"));
    }

    [Fact]
    public async Task No_export_at_all_is_404_with_and_without_a_date()
    {
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        Assert.Equal((404, Error(ExportsApi.NotAvailableError)), await GetAsync(host.Client(d.Client), ""));
        Assert.Equal((404, Error(ExportsApi.NotAvailableError)), await GetAsync(host.Client(d.Client), "?export_date=2025-01-15"));
    }

    [Fact]
    public async Task In_progress_is_202_and_failed_is_422_and_other_dates_stay_404()
    {
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.AddRunAsync(d.Uuid, Today, ExportStatuses.InProgress, Noon.UtcDateTime);
        await app.AddRunAsync(d.Uuid, Today.AddDays(-1), ExportStatuses.Failed, Noon.UtcDateTime.AddDays(-1));
        var client = host.Client(d.Client);

        Assert.Equal((202, Error(ExportsApi.InProgressError)), await GetAsync(client, "?export_date=2025-01-15"));
        Assert.Equal((422, Error(ExportsApi.FailedError)), await GetAsync(client, "?export_date=2025-01-14"));
        Assert.Equal((404, Error(ExportsApi.NotAvailableError)), await GetAsync(client, "?export_date=2025-01-13"));
        // Without a date and with no finished export, the most recent run speaks.
        Assert.Equal((202, Error(ExportsApi.InProgressError)), await GetAsync(client, ""));
    }

    [Fact]
    public async Task Without_a_date_a_failed_latest_run_is_422_when_nothing_finished()
    {
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.AddRunAsync(d.Uuid, Today, ExportStatuses.Failed, Noon.UtcDateTime);
        Assert.Equal((422, Error(ExportsApi.FailedError)), await GetAsync(host.Client(d.Client), ""));
    }

    [Fact]
    public async Task Without_a_date_the_most_recent_finished_export_wins_over_one_in_progress()
    {
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.AddPackageUidAsync(d.Uuid, "PKG-OLD");
        await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        await host.Scheduler.DrainAsync();
        host.Time.Advance(TimeSpan.FromDays(1));
        await app.AddRunAsync(d.Uuid, Today.AddDays(1), ExportStatuses.InProgress, host.Time.Now.UtcDateTime);

        var client = host.Client(d.Client);
        Assert.Equal((202, Error(ExportsApi.InProgressError)), await GetAsync(client, "?export_date=2025-01-16"));
        var (status, body, _) = await client.GetJsonAsync(Url);
        Assert.Equal(200, status);
        Assert.Equal("""{"PKG-OLD":{}}""", await DownloadAsync(host, (string)body!["export_url"]!));
    }

    [Fact]
    public async Task Export_file_lists_every_package_uid_with_its_cases_and_lucid_ids_sorted()
    {
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        var other = await app.NewDispensaryAsync(exportEnabled: true);
        var twoParts = await app.MintCaseAsync(3, 2);
        var single = await app.MintCaseAsync(4);
        var split = await app.MintCaseAsync(2, 2);
        var empty = await app.MintCaseAsync(0);
        var foreign = await app.MintCaseAsync(2);
        await app.ImportAsync(d.Uuid, "PKG-B", twoParts);
        await app.ImportAsync(d.Uuid, "PKG-B", single);
        await app.ImportAsync(d.Uuid, "PKG-B", split, 0);
        await app.ImportAsync(d.Uuid, "PKG-C", split, 1);
        await app.ImportAsync(d.Uuid, "PKG-D", empty);
        await app.AddPackageUidAsync(d.Uuid, "PKG-A");
        await app.AddPackageUidAsync(d.Uuid, "pkg-a <&> ünïcode");
        await app.ImportAsync(other.Uuid, "PKG-B", foreign);

        var (status, run, _) = await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        Assert.Equal(202, status);
        Assert.Equal("in_progress", (string)run!["status"]!);
        Assert.Equal("2025-01-15", (string)run["export_date"]!);
        await host.Scheduler.DrainAsync();

        var client = host.Client(d.Client);
        var (getStatus, body, _) = await client.GetJsonAsync(Url + "?export_date=2025-01-15");
        Assert.Equal(200, getStatus);
        var url = (string)body!["export_url"]!;
        Assert.StartsWith("http://localhost/exports/package-uid-exports/" + d.Uuid + "/", url);

        var expected = ExportArrange.ExpectedFile([
            ("PKG-B", [(twoParts.CaseUuid, twoParts.AllLucidIds), (single.CaseUuid, single.AllLucidIds), (split.CaseUuid, split.Parts[0].LucidIds)]),
            ("PKG-C", [(split.CaseUuid, split.Parts[1].LucidIds)]),
            ("PKG-D", [(empty.CaseUuid, Array.Empty<string>())]),
            ("PKG-A", []),
            ("pkg-a <&> ünïcode", []),
        ]);
        Assert.Equal(expected, await DownloadAsync(host, url));
        Assert.Contains("\"pkg-a <&> ünïcode\":{}", expected);
    }

    [Fact]
    public async Task Download_link_expires_after_the_configured_lifetime()
    {
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir(), settings: [("Exports:UrlTtlSeconds", "600")]);
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.AddPackageUidAsync(d.Uuid, "PKG-1");
        await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        await host.Scheduler.DrainAsync();
        var client = host.Client(d.Client);
        var (_, body, raw) = await client.GetJsonAsync(Url);
        var url = (string)body!["export_url"]!;
        Assert.Equal($$"""{"export_url":"{{url}}"}""", raw); // "&" unescaped, as DRF renders it
        Assert.Contains($"expires={Noon.ToUnixTimeSeconds() + 600}&signature=", url);

        host.Time.Advance(TimeSpan.FromSeconds(600));
        Assert.Equal("""{"PKG-1":{}}""", await DownloadAsync(host, url));
        host.Time.Advance(TimeSpan.FromSeconds(1));
        var (status, expired, _) = await host.Client().GetJsonAsync(url);
        Assert.Equal(403, status);
        Assert.Equal("This download link has expired.", (string)expired!["detail"]!);
    }

    [Fact]
    public async Task Tampered_download_links_are_403()
    {
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.AddPackageUidAsync(d.Uuid, "PKG-1");
        await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        await host.Scheduler.DrainAsync();
        var client = host.Client(d.Client);
        var url = (string)(await client.GetJsonAsync(Url)).Body!["export_url"]!;
        var expires = (Noon.ToUnixTimeSeconds() + 3600).ToString();
        var signature = url[(url.IndexOf("signature=", StringComparison.Ordinal) + 10)..];

        string[] tampered =
        [
            url.Replace("expires=" + expires, "expires=" + (Noon.ToUnixTimeSeconds() + 999_999)),
            url.Replace("signature=" + signature, "signature=" + (signature[0] == '0' ? '1' : '0') + signature[1..]),
            url.Replace(".1.json", ".2.json"),
            url[..url.IndexOf("&signature=", StringComparison.Ordinal)],
            url.Replace("expires=", "expires=+"),
        ];
        foreach (var link in tampered)
        {
            var (status, body, _) = await host.Client().GetJsonAsync(link);
            Assert.True(status == 403, link);
            Assert.Equal("This download link is not valid.", (string)body!["detail"]!);
        }
        Assert.Equal("""{"PKG-1":{}}""", await DownloadAsync(host, url));
    }

    [Fact]
    public async Task Admin_run_now_shows_202_until_the_file_is_published()
    {
        var gate = new TaskCompletionSource();
        var dir = ExportArrange.NewExportDir();
        await using var host = new ExportHost(app, new ManualTime(Noon), dir, store => new FaultyStore(store, publishGate: gate.Task));
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.AddPackageUidAsync(d.Uuid, "PKG-1");

        var (status, run, _) = await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        Assert.Equal(202, status);
        var client = host.Client(d.Client);
        Assert.Equal((202, Error(ExportsApi.InProgressError)), await GetAsync(client, ""));
        // Asking again while it runs answers with the same run instead of starting a second one.
        var (again, sameRun, _) = await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        Assert.Equal(202, again);
        Assert.Equal((string)run!["id"]!, (string)sameRun!["id"]!);
        Assert.Equal(1, (int)sameRun["attempt"]!);
        Assert.Empty(Directory.GetFiles(dir, "*.json", SearchOption.AllDirectories));

        gate.SetResult();
        await host.Scheduler.DrainAsync();
        Assert.Equal(200, (await client.GetJsonAsync(Url)).Status);
        var (listStatus, list, _) = await host.Admin().GetJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        Assert.Equal(200, listStatus);
        Assert.Equal("done", (string)list![0]!["status"]!);
        Assert.Equal(1, (long)list[0]!["package_count"]!);
    }

    [Fact]
    public async Task Admin_run_now_for_unknown_dispensary_is_404()
    {
        var (status, _, _) = await app.AdminClient().PostJsonAsync($"/admin/v1/dispensaries/{ShortUuid.NewId()}/package-uid-exports");
        Assert.Equal(404, status);
        Assert.Equal(404, (await app.AdminClient().PostJsonAsync("/admin/v1/dispensaries/not-an-id/package-uid-exports")).Status);
    }

    private static async Task<(int, string)> GetAsync(HttpClient client, string query)
    {
        var (status, body, _) = await client.GetJsonAsync(Url + query);
        return (status, body.Json());
    }

    /// <summary>Download links carry their own authorization: fetched without a token.</summary>
    private static async Task<string> DownloadAsync(ExportHost host, string url)
    {
        using var response = await host.Client().GetAsync(url, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Without_a_date_the_newest_of_several_finished_exports_is_served()
    {
        await using var host = new ExportHost(app, new ManualTime(Noon), ExportArrange.NewExportDir());
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        await app.AddPackageUidAsync(d.Uuid, "PKG-DAY-1");
        await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        await host.Scheduler.DrainAsync();
        host.Time.Advance(TimeSpan.FromDays(1));
        await app.AddPackageUidAsync(d.Uuid, "PKG-DAY-2");
        await host.Admin().PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports");
        await host.Scheduler.DrainAsync();

        var client = host.Client(d.Client);
        var (status, latest, raw) = await client.GetJsonAsync(Url);
        Assert.True(status == 200, raw);
        Assert.Equal("""{"PKG-DAY-1":{},"PKG-DAY-2":{}}""", await DownloadAsync(host, (string)latest!["export_url"]!));
        var (_, older, _) = await client.GetJsonAsync(Url + "?export_date=2025-01-15");
        Assert.Equal("""{"PKG-DAY-1":{}}""", await DownloadAsync(host, (string)older!["export_url"]!));
    }
}

public sealed class ExportsApiTestsOnSqlite(SqliteApp app) : ExportsApiTests(app), IClassFixture<SqliteApp>;

public sealed class ExportsApiTestsOnPostgres(PostgresApp app) : ExportsApiTests(app), IClassFixture<PostgresApp>;
