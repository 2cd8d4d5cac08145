using System.Text.RegularExpressions;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.OperatorConsole;

/// <summary>
/// The console under hostile input, generated from the route table and from the forms the pages render (so a new page
/// or form is covered without a new test): bad ids in every route answer a 404 page; odd query strings and odd values
/// in every field of every form answer a page (a validation message, a 404, a refusal), never a 5xx, never exception
/// text, and markup sent in is shown as text, never run.
/// </summary>
public abstract partial class ConsoleHostileInputTests(AppFixture app)
{
    private static readonly string[] RouteValues =
    [
        "x", "2222222222222222222222", "oZEq7ovRbLq6UnGMPwc8B6", "CXc85b4rqinB7s5J52TRYb", "65a1b2c3d4e5f6a7b8c9d0e1", "%25", "...",
        new string('9', 400), "-1", "%F0%9F%92%A9", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "00000000-0000-0000-0000-000000000000",
    ];

    private static readonly string[] Queries =
    [
        "?page=0", "?page=-1", "?page=abc", "?page=99999999999999999999", "?page=999999", "?status=%3Cscript%3E", "?status=PENDING&page=2",
        "?employees_page=-3&partners_page=x", "?q=" + new string('q', 5000), "?q=https%3A%2F%2Flucid.green%2Fq%2F..%2F..", "?q=%00",
        "?returnUrl=%2F%2Fevil.example%2F", "?returnUrl=https%3A%2F%2Fevil.example", "?dispensary=%3Cb%3E&brand=%22%3E%3Cscript%3E",
    ];

    private static readonly string[] FieldValues =
    [
        "", "   ", new string('n', 256), new string('é', 5000), "<script>alert(1)</script>", "'; DROP TABLE brands; --", "\u0000",
        "line\nbreak", "😀", "../../etc/passwd", "-1", "99999999999999999999", "Not/AZone", "25:61", "2222222222222222222222",
        "oZEq7ovRbLq6UnGMPwc8B6, x, ,", "true",
    ];

    [Fact]
    public async Task Bad_ids_in_every_console_route_answer_a_404_page()
    {
        var world = await ConsoleWorld.CreateAsync(app);
        var console = await ConsoleClient.SignInAsync(app);
        var wrong = new List<string>();
        foreach (var pattern in ConsoleWorld.Routes(app.Services).Where(p => p.Contains('{')))
        {
            foreach (var value in RouteValues)
            {
                var url = world.Url(pattern, value);
                var page = await console.GetAsync(url);
                if (Problem(page) is { } problem) wrong.Add($"{url} → {page.Status}: {problem}");
                else if (page.Status != 404 || !page.Html.Contains("nothing has the id it names")) wrong.Add($"{url} → {page.Status}, not a 404 page");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task Odd_query_strings_on_every_console_route_answer_a_page()
    {
        var world = await ConsoleWorld.CreateAsync(app);
        var console = await ConsoleClient.SignInAsync(app);
        var wrong = new List<string>();
        foreach (var pattern in ConsoleWorld.Routes(app.Services))
        {
            foreach (var query in Queries)
            {
                var url = world.Url(pattern) + query;
                var page = await console.GetAsync(url);
                if (Problem(page) is { } problem) wrong.Add($"{url[..Math.Min(url.Length, 120)]} → {page.Status}: {problem}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task Odd_values_in_every_field_of_every_form_answer_a_page_never_an_error()
    {
        var world = await ConsoleWorld.CreateAsync(app);
        var console = await ConsoleClient.SignInAsync(app);
        var wrong = new List<string>();
        var posted = 0;
        foreach (var pattern in ConsoleWorld.Routes(app.Services).Where(ConsoleWorld.IsPage))
        {
            var url = world.Url(pattern);
            var forms = ConsoleClient.FormsOf((await console.GetAsync(url)).Html).Where(f => f.Handler != "sign-out").ToList();
            foreach (var form in forms)
            {
                foreach (var value in FieldValues)
                {
                    var token = ConsoleClient.TokenOf((await console.GetAsync(url)).Html);
                    var fields = form.Fields.Select(f => (f, value)).Concat(form.Buttons.Select(b => (b.Name, value)))
                        .Prepend(("__RequestVerificationToken", token)).Prepend(("_handler", form.Handler));
                    var page = await console.PostRawAsync(form.Action, fields);
                    posted++;
                    if (Problem(page) is { } problem) wrong.Add($"{pattern} {form.Handler} [{Preview(value)}] → {page.Status}: {problem}");
                }
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(40)));
        Assert.True(posted > 200, $"only {posted} posts");
        Assert.Equal(200, (await console.GetAsync("/console/")).Status);
    }

    [Fact]
    public async Task Over_long_and_odd_names_get_the_admin_APIs_messages_beside_their_fields()
    {
        var console = await ConsoleClient.SignInAsync(app);
        var longName = await console.PostAsync("/console/brands", "create-brand", ("name", new string('n', 256)));
        Assert.Equal(400, longName.Status);
        Assert.Contains("<span class=\"field-error\" id=\"name-error\" role=\"alert\">At most 255 characters.</span>", longName.Html);
        var control = await console.PostAsync("/console/companies", "create-company", ("name", "two\nlines"));
        Assert.Equal(400, control.Status);
        Assert.Contains("Control characters (such as line breaks or NUL) are not allowed.", control.Html);
        var script = await console.PostAsync("/console/dispensaries", "create-dispensary", ("name", "<script>alert(1)</script>"), ("time_zone", "<b>Zone</b>"));
        Assert.Equal(400, script.Status);
        Assert.Contains("value=\"&lt;b&gt;Zone&lt;/b&gt;\"", script.Html);
        Assert.Contains("Unknown IANA time zone.", script.Html);
    }

    /// <summary>What is wrong with a console answer, or null: a 5xx, exception or SQL text, markup sent in that would run, or no HTML.</summary>
    private static string? Problem(ConsoleResponse page)
    {
        if (page.Status >= 500) return "server error";
        if (LeakedInternals().IsMatch(page.Html)) return "exception or SQL text in the page";
        if (page.Html.Contains("<script>alert(1)</script>")) return "markup from the request rendered as markup";
        if (page.Status is 301 or 302 or 303) return page.Location is { } l && (l.StartsWith("/console", StringComparison.Ordinal) || l.StartsWith("http://localhost/console", StringComparison.Ordinal) || l.StartsWith("http://localhost/exports/", StringComparison.Ordinal))
            ? null : $"redirect outside the console: {page.Location}";
        var type = page.Response.Content.Headers.ContentType?.MediaType;
        return type is "text/html" or "text/css" ? null : $"content type {type}";
    }

    private static string Preview(string value) => value.Length > 20 ? value[..20] + "…" : value.Replace("\u0000", "\\0").Replace("\n", "\\n");

    [GeneratedRegex(@"(System|Microsoft|Npgsql|RetailTrace)\.[\w.]*Exception|\s{3}at \w|SQLite Error|SqlState|syntax error at")]
    private static partial Regex LeakedInternals();
}

public sealed class ConsoleHostileInputTestsOnSqlite(ConsoleSqliteApp app) : ConsoleHostileInputTests(app), IClassFixture<ConsoleSqliteApp>;
public sealed class ConsoleHostileInputTestsOnPostgres(ConsolePostgresApp app) : ConsoleHostileInputTests(app), IClassFixture<ConsolePostgresApp>;
