using System.Net;

namespace RetailTrace.OperatorConsole;

/// <summary>
/// The console's error shape: a small HTML page (a person reads it), for the errors produced outside its pages —
/// unknown path, wrong method, refused antiforgery token, too many requests, server error. Like every family's
/// error body it never carries exception text.
/// </summary>
public static class ConsoleErrors
{
    public const string BasePath = "/console";

    public static IResult Page(int status, string? message = null)
    {
        var text = message ?? status switch
        {
            400 => "The request was not understood. Reload the page and try again.",
            404 => "There is no such page, or nothing has the id it names.",
            405 => "This page does not accept that method.",
            413 => "The form is too large.",
            429 => "Too many requests. Try again in a moment.",
            >= 500 => "Something went wrong on the server. The error is logged.",
            _ => "The request was refused.",
        };
        var title = status switch { 404 => "Not found", 429 => "Too many requests", >= 500 => "Server error", _ => "Request refused" };
        var html = $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{title} · RetailTrace console</title>
            <link rel="stylesheet" href="{BasePath}/assets/console.css"></head>
            <body><main class="error-page"><h1>{title}</h1><p role="alert">{WebUtility.HtmlEncode(text)}</p>
            <p><a href="{BasePath}/">Back to the console</a></p></main></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
