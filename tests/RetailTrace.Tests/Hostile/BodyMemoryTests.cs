using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Hostile;

/// <summary>
/// Issue 26 item 1: the memory a request can take is bounded by what its endpoint accepts. A body of 5,000,000 small
/// values (9.5 MB, under the old 10 MiB cap) once became a JSON tree of about 460 MB; here it is refused before any
/// tree is built, whether its length is announced or it arrives in chunks, and so is a body within the byte limit
/// holding more values than the endpoint can use. The bodies in flight share a budget; over it, 503 with Retry-After.
/// </summary>
public abstract class BodyMemoryTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>What the refusals may allocate in the whole process (the in-memory host copies bodies too), against
    /// hundreds of megabytes for the tree of the first body.</summary>
    private const long AllocationBound = 48L * 1024 * 1024;

    [Fact]
    public async Task Hostile_bodies_of_millions_of_values_are_refused_without_building_a_tree()
    {
        var client = (await app.NewDispensaryAsync()).Client;
        const string url = "/api/v1.2/transactions/complete/";
        var fiveMillion = Values(5_000_000);
        var withinBytes = Values(120_000); // 240 KB: under the LucidGreen byte limit, over its 10,000 JSON tokens
        await PostAsync(client, url, Values(10), chunked: false); // warms the path, so the measure is of the bodies only

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var announced = await PostAsync(client, url, fiveMillion, chunked: false);
        var chunked = await PostAsync(client, url, fiveMillion, chunked: true);
        var tooManyValues = await PostAsync(client, url, withinBytes, chunked: false);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal((413, """{"detail":"Request body is too large."}"""), announced);
        Assert.Equal((413, """{"detail":"Request body is too large."}"""), chunked);
        Assert.Equal((400, """{"detail":"JSON parse error - More than 10000 JSON tokens."}"""), tooManyValues);
        Assert.True(allocated < AllocationBound, $"refusing three hostile bodies allocated {allocated / 1024 / 1024} MB");
        TestContext.Current.TestOutputHelper?.WriteLine($"allocated: {allocated / 1024} KB");
    }

    [Fact]
    public async Task A_body_that_finds_no_room_in_the_budget_waits_then_gets_503_with_retry_after()
    {
        // A 300 KB budget: a chunked LucidGreen body holds 257 KB of it until it ends, leaving no room for 100 KB.
        using var host = app.Derive(b => b.UseSetting("Limits:BodyBytesInFlight", (300 * 1024).ToString()));
        var tenant = await app.NewDispensaryAsync();
        var client = host.ClientAs(tenant.Client);
        const string url = "/api/v1.2/transactions/complete/";

        var stalled = new StalledBody();
        using var holding = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StreamContent(stalled) };
        holding.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var first = client.SendAsync(holding, Ct);
        await stalled.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // The host charges the first body once it has authenticated the caller; until then the second may find room.
        HttpResponseMessage refused;
        var attempts = 0;
        do
        {
            await Task.Delay(200, Ct);
            using var second = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(new byte[100 * 1024]) };
            second.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            refused = await client.SendAsync(second, Ct);
        }
        while (refused.StatusCode != HttpStatusCode.ServiceUnavailable && ++attempts < 5);
        using var _ = refused;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
        Assert.Equal("""{"detail":"Service temporarily unavailable, try again later."}""", await refused.Content.ReadAsStringAsync(Ct));

        stalled.Release();
        using var firstAnswer = await first;
        Assert.Equal(HttpStatusCode.BadRequest, firstAnswer.StatusCode);
    }

    private static byte[] Values(int count)
    {
        var body = new StringBuilder(count * 2 + 16).Append("{\"items\":[");
        for (var i = 0; i < count; i++) body.Append(i == 0 ? "0" : ",0");
        return Encoding.ASCII.GetBytes(body.Append("]}").ToString());
    }

    private static async Task<(int, string)> PostAsync(HttpClient client, string url, byte[] body, bool chunked)
    {
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body, writable: false)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(url, content, Ct);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>A request body of unknown length that sends a few bytes, then waits until released.</summary>
    private sealed class StalledBody : Stream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _sent;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_sent)
            {
                _sent = true;
                Started.TrySetResult();
                buffer.Span[0] = (byte)'{';
                return 1;
            }
            await _released.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class BodyMemoryTestsOnSqlite(SqliteApp app) : BodyMemoryTests(app), IClassFixture<SqliteApp>;
public sealed class BodyMemoryTestsOnPostgres(PostgresApp app) : BodyMemoryTests(app), IClassFixture<PostgresApp>;
