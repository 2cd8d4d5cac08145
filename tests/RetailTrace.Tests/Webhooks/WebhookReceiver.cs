using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace RetailTrace.Tests.Webhooks;

/// <summary>One request the receiver got.</summary>
public sealed record ReceivedWebhook(string Path, IHeaderDictionary Headers, string Body)
{
    public string Id => Headers["webhook-id"].ToString();
    public JsonNode Json => JsonNode.Parse(Body)!;
    public string Type => (string)Json["type"]!;

    /// <summary>Verifies the delivery as a receiver would, with the StandardWebhooks library: throws when the signature does not match.</summary>
    public void Verify(string secret) => new StandardWebhook(secret).Verify(Body, Headers);

    public bool VerifiesWith(string secret)
    {
        try { Verify(secret); return true; }
        catch (StandardWebhooks.Diagnostics.WebhookVerificationException) { return false; }
    }
}

/// <summary>
/// A webhook receiver: a real Kestrel server on 127.0.0.1 that records every request and answers with the
/// statuses a test queues per path (200 once the queue is empty), optionally after a delay.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<HttpContext, Task>>> _answers = new();
    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();
    public TimeSpan Delay { get; set; }

    private WebhookReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public string Url(string path) => BaseUrl + path;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.Single().Replace("[::]", "127.0.0.1");
        return receiver;
    }

    /// <summary>The next request to <paramref name="path"/> gets <paramref name="status"/> with <paramref name="body"/>.</summary>
    public void Answer(string path, int status, string body = "", string? location = null) =>
        _answers.GetOrAdd(path, _ => new()).Enqueue(async context =>
        {
            context.Response.StatusCode = status;
            if (location is not null) context.Response.Headers.Location = location;
            // Kestrel closes the connection after a 204 whose body was written to, even with nothing; the sender's
            // next delivery on that pooled connection would then fail with "response ended prematurely".
            if (body.Length > 0) await context.Response.WriteAsync(body);
        });

    public List<ReceivedWebhook> At(string path) => Received.Where(r => r.Path == path).ToList();

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = new HeaderDictionary();
        foreach (var (key, value) in context.Request.Headers) headers[key] = value;
        Received.Enqueue(new ReceivedWebhook(context.Request.Path, headers, body));
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
        if (_answers.TryGetValue(context.Request.Path, out var queue) && queue.TryDequeue(out var answer)) await answer(context);
        else context.Response.StatusCode = 200;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
