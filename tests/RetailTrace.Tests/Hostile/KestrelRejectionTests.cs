using System.Net.Sockets;
using System.Text;
using RetailTrace.Data;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Hostile;

/// <summary>
/// Requests the HTTP server itself refuses, sent as raw bytes to the real server (Kestrel), which the in-memory
/// test host cannot reproduce. A request line with bad bytes or one over Kestrel's 8 KB limit is answered by Kestrel
/// before any middleware runs, so its 400 or 414 has no body (docs/DECISIONS.md, issue 22); a chunked body over the
/// limit reaches the app, which answers 413 in the family shape.
/// </summary>
public sealed class KestrelRejectionTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kestrel_refuses_bad_request_lines_with_4xx_and_a_chunked_body_over_the_limit_gets_413_in_the_family_shape()
    {
        await using var server = await ServerProcess.StartAsync(DatabaseProvider.Sqlite);
        var uri = new Uri(server.BaseUrl);

        Assert.StartsWith("HTTP/1.1 400 ", await SendRawAsync(uri, "GET /api/v1.2/a%00b/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray()));
        Assert.StartsWith("HTTP/1.1 400 ", await SendRawAsync(uri, [.. "GET /api/v1.2/"u8, 0xFF, 0x00, .. " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8]));
        // Percent-encoded invalid UTF-8 is decoded leniently and routed: an anonymous caller's 401, not a 5xx.
        Assert.Matches(@"^HTTP/1\.1 4\d\d ", await SendRawAsync(uri, "GET /api/v1.2/%C3%28/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray()));
        Assert.StartsWith("HTTP/1.1 414 ", await SendRawAsync(uri, Encoding.ASCII.GetBytes($"GET /api/v1.2/{new string('a', 10_000)}/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")));

        // The token endpoint takes anonymous bodies; 1 MiB is its limit, so 1.1 MiB in chunks is read up to the limit and refused.
        var chunk = new string('a', 64 * 1024);
        var request = new StringBuilder("POST /o/token/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        for (var i = 0; i < 18; i++) request.Append($"{chunk.Length:x}\r\n{chunk}\r\n");
        request.Append("0\r\n\r\n");
        var answer = await SendRawAsync(uri, Encoding.ASCII.GetBytes(request.ToString()));
        Assert.StartsWith("HTTP/1.1 413 ", answer);
        Assert.Contains("\r\n\r\n1b\r\n{\"error\":\"invalid_request\"}\r\n", answer); // one chunk: the OAuth2 error body
    }

    /// <summary>The raw answer (status line, headers and body) to raw request bytes.</summary>
    private static async Task<string> SendRawAsync(Uri server, byte[] request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, Ct);
        var stream = tcp.GetStream();
        try { await stream.WriteAsync(request, Ct); }
        catch (IOException) { } // the server may answer and close before reading everything
        using var answer = new MemoryStream();
        try { await stream.CopyToAsync(answer, Ct); }
        catch (IOException) { }
        return Encoding.UTF8.GetString(answer.ToArray());
    }
}
