using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Exports;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Exports;

/// <summary>
/// Download links never carry a host the operator did not allow: <c>PublicBaseUrl</c> when set, otherwise the
/// request's host, which host filtering (<c>AllowedHosts</c>, loopback names by default) has checked first.
/// </summary>
public abstract class DownloadLinkHostTests(AppFixture app)
{
    private async Task<(int Status, string? Url)> ExportUrlAsync(string baseAddress, params (string Key, string Value)[] settings)
    {
        await using var host = app.Derive(b =>
        {
            b.UseSetting("ObjectStore:LocalPath", TempDirs.New("exports-"));
            foreach (var (key, value) in settings) b.UseSetting(key, value);
        });
        var d = await app.NewDispensaryAsync(exportEnabled: true);
        var admin = host.AdminClientOf();
        Assert.Equal(202, (await admin.PostJsonAsync($"/admin/v1/dispensaries/{d.Uuid}/package-uid-exports")).Status);
        await host.Services.GetRequiredService<ExportScheduler>().DrainAsync();
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseAddress) });
        foreach (var header in d.Client.DefaultRequestHeaders) client.DefaultRequestHeaders.TryAddWithoutValidation(header.Key, header.Value);
        var (status, body, _) = await client.GetJsonAsync("/api/v1.2/package-uids-export/");
        return (status, (string?)body?["export_url"]);
    }

    [Fact]
    public async Task A_request_for_a_host_that_is_not_allowed_is_refused_and_gets_no_link()
    {
        var (status, url) = await ExportUrlAsync("http://evil.example");
        Assert.Equal((400, null), (status, url));
    }

    [Fact]
    public async Task An_allowed_host_names_the_link()
    {
        var (status, url) = await ExportUrlAsync("http://files.example.com", ("AllowedHosts", "localhost;files.example.com"));
        Assert.Equal(200, status);
        Assert.StartsWith("http://files.example.com/exports/package-uid-exports/", url);
    }

    [Fact]
    public async Task The_public_base_url_names_the_link_whatever_the_request_host()
    {
        var (status, url) = await ExportUrlAsync("http://localhost", ("PublicBaseUrl", "https://rt.example.com/"));
        Assert.Equal(200, status);
        Assert.StartsWith("https://rt.example.com/exports/package-uid-exports/", url);
    }

    [Fact]
    public async Task Without_AllowedHosts_the_public_base_urls_host_is_answered()
    {
        var (status, url) = await ExportUrlAsync("https://rt.example.com", ("PublicBaseUrl", "https://rt.example.com/"));
        Assert.Equal(200, status);
        Assert.StartsWith("https://rt.example.com/exports/package-uid-exports/", url);
        Assert.Equal((400, null), await ExportUrlAsync("https://evil.example", ("PublicBaseUrl", "https://rt.example.com/")));
    }
}

public sealed class DownloadLinkHostTestsOnSqlite(SqliteApp app) : DownloadLinkHostTests(app), IClassFixture<SqliteApp>;
public sealed class DownloadLinkHostTestsOnPostgres(PostgresApp app) : DownloadLinkHostTests(app), IClassFixture<PostgresApp>;
