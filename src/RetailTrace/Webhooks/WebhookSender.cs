using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace RetailTrace.Webhooks;

/// <summary>What one delivery attempt came to.</summary>
public sealed record DeliveryResult(int? StatusCode, bool Succeeded, int LatencyMs, string? ResponseExcerpt, string? Error);

/// <summary>
/// Sends one signed POST (Standard Webhooks): <c>webhook-id</c>, <c>webhook-timestamp</c> (now, in seconds) and
/// <c>webhook-signature</c> (one <c>v1,…</c> entry per current secret). Redirects are not followed, no proxy is
/// used (it would connect on our behalf to addresses we did not check), and at most
/// <see cref="ExcerptBytes"/> of the response body are read. A 2xx answer is a success; anything else, or no
/// answer within <see cref="WebhookSettings.Timeout"/>, is a failure.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private const int ExcerptBytes = 4096;
    private readonly HttpClient _http;
    private readonly WebhookSettings _settings;
    private readonly TimeProvider _time;

    public WebhookSender(WebhookSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = settings.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = WebhookTargets.ConnectCallback(settings.AllowPrivateTargets),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("RetailTrace-Webhooks", "1.0"));
    }

    public async Task<DeliveryResult> SendAsync(string url, string messageId, string payload, IReadOnlyList<string> secrets, CancellationToken ct)
    {
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", string.Join(' ', secrets.Select(s => WebhookSecrets.Sign(s, messageId, timestamp, payload))));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_settings.Timeout);
        var started = Stopwatch.GetTimestamp();
        int Latency() => (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var excerpt = await ExcerptAsync(response, timeout.Token);
            var status = (int)response.StatusCode;
            return new DeliveryResult(status, status is >= 200 and < 300, Latency(), excerpt, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new DeliveryResult(null, false, Latency(), null, $"No response within {_settings.Timeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException ex)
        {
            var refused = ex.InnerException as WebhookTargets.RefusedException;
            return new DeliveryResult(null, false, Latency(), null, refused is not null ? "Refused: " + refused.Message : Short(ex));
        }
        catch (IOException ex)
        {
            // The connection broke while the response was read.
            return new DeliveryResult(null, false, Latency(), null, Short(ex));
        }
    }

    /// <summary>The start of the body, decoded as UTF-8; the rest is never read.</summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[ExcerptBytes];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), ct)) > 0) read += n;
        if (read == 0) return null;
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return text.Length <= Data.WebhookAttempt.MaxExcerpt ? text : text[..Data.WebhookAttempt.MaxExcerpt];
    }

    private static string Short(Exception ex)
    {
        var message = ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;
        return message.Length <= 500 ? message : message[..500];
    }

    public void Dispose() => _http.Dispose();
}
