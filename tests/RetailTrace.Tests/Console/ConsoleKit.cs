using System.Net;
using System.Text.RegularExpressions;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.OperatorConsole;

/// <summary>The app with a sign-in budget no test run exhausts (TestServer requests share one remote address); throttling has its own fixture.</summary>
public sealed class ConsoleSqliteApp : SqliteApp
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() => [("RateLimit:SignInPerMinute", "100000")];
}

public sealed class ConsolePostgresApp : PostgresApp
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings() => [("RateLimit:SignInPerMinute", "100000")];
}

/// <summary>A console page as the server answered it.</summary>
public sealed record ConsoleResponse(int Status, string Html, string? Location, HttpResponseMessage Response);

/// <summary>A form of a page: where it posts, which handler, and the names of its fields (buttons' name=value included).</summary>
public sealed record ConsoleForm(string Action, string Handler, IReadOnlyList<string> Fields, IReadOnlyList<(string Name, string Value)> Buttons);

/// <summary>
/// A browser-less console session over HTTP: a client that keeps the session and antiforgery cookies, signs in through
/// the sign-in form, and posts forms the way a browser does (the page's own antiforgery token, the form's handler name).
/// </summary>
public sealed partial class ConsoleClient(HttpClient http)
{
    public const string Operator = "Test Operator";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public HttpClient Http => http;

    /// <summary>The session cookie (<c>name=value</c>) this client signed in with, to replay it from elsewhere.</summary>
    public string? SessionCookie { get; private set; }

    public static async Task<ConsoleClient> SignInAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> app, string name = Operator, string baseAddress = "http://localhost")
    {
        var client = new ConsoleClient(app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, BaseAddress = new Uri(baseAddress), HandleCookies = true,
        }));
        var signedIn = await client.PostAsync("/console/sign-in", "sign-in", ("operator", name), ("token", AppFixture.AdminToken));
        Assert.True(signedIn.Status == 302, $"sign-in → {signedIn.Status}: {signedIn.Html}");
        client.SessionCookie = signedIn.Response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("RetailTrace.Console=", StringComparison.Ordinal)).Split(';')[0];
        return client;
    }

    public async Task<ConsoleResponse> GetAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await SendAsync(request);
    }

    /// <summary>Posts <paramref name="fields"/> to the form <paramref name="handler"/> of the page at <paramref name="url"/>, with the page's token.</summary>
    public async Task<ConsoleResponse> PostAsync(string url, string handler, params (string Name, string Value)[] fields)
    {
        var page = await GetAsync(url);
        return await PostRawAsync(url, [("_handler", handler), ("__RequestVerificationToken", TokenOf(page.Html)), .. fields]);
    }

    /// <summary>Posts exactly <paramref name="fields"/>, with no token added.</summary>
    public async Task<ConsoleResponse> PostRawAsync(string url, IEnumerable<(string Name, string Value)> fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        return await SendAsync(request);
    }

    private async Task<ConsoleResponse> SendAsync(HttpRequestMessage request)
    {
        var response = await http.SendAsync(request, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        return new ConsoleResponse((int)response.StatusCode, html, response.Headers.Location?.ToString(), response);
    }

    public static string TokenOf(string html) =>
        TokenInput().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("The page has no antiforgery token:\n" + html);

    /// <summary>The post forms of a page (the pages are ours, so a regular expression reads them reliably).</summary>
    public static IReadOnlyList<ConsoleForm> FormsOf(string html) =>
        FormElement().Matches(html).Where(m => m.Groups["attrs"].Value.Contains("method=\"post\"")).Select(m =>
        {
            var body = m.Groups["body"].Value;
            var handler = Handler().Match(body).Groups[1].Value;
            var fields = FieldName().Matches(body).Select(f => WebUtility.HtmlDecode(f.Groups[1].Value))
                .Where(n => n is not ("_handler" or "__RequestVerificationToken")).Distinct().ToList();
            var buttons = Button().Matches(body).Select(b => (WebUtility.HtmlDecode(b.Groups[1].Value), WebUtility.HtmlDecode(b.Groups[2].Value))).ToList();
            var action = FormAction().Match(m.Groups["attrs"].Value).Groups[1].Value;
            return new ConsoleForm(WebUtility.HtmlDecode(action), handler, fields, buttons);
        }).ToList();

    /// <summary>The text of the page without its markup, for assertions about what a person reads.</summary>
    public static string TextOf(string html) => WebUtility.HtmlDecode(Whitespace().Replace(Tag().Replace(html, " "), " "));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();

    [GeneratedRegex("<form(?<attrs>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline)]
    private static partial Regex FormElement();

    [GeneratedRegex("action=\"([^\"]*)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("name=\"_handler\" value=\"([^\"]+)\"")]
    private static partial Regex Handler();

    [GeneratedRegex("<(?:input|select|textarea)[^>]*?name=\"([^\"]+)\"")]
    private static partial Regex FieldName();

    [GeneratedRegex("<button[^>]*?name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex Button();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

/// <summary>What the console tests read back from the database.</summary>
public static class ConsoleDb
{
    public static Task<List<ConsoleAuditEntry>> AuditAsync(this AppFixture app) =>
        app.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            db.ConsoleAuditLog.OrderBy(e => e.Id), TestContext.Current.CancellationToken));
}
