using RetailTrace.Data;

namespace RetailTrace.Common;

/// <summary>Probes: <c>/healthz</c> while the process runs, <c>/readyz</c> while the database answers. Never rate limited.</summary>
public static class Health
{
    public static IEndpointRouteBuilder MapHealthProbes(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new ProbeStatus("ok")))
            .WithName("Liveness").WithTags("Health").WithSummary("The process is up").DisableRateLimiting();
        app.MapGet("/readyz", Readiness)
            .WithName("Readiness").WithTags("Health").WithSummary("The database answers")
            .Produces<ProbeStatus>().ProducesProblem(503).DisableRateLimiting();
        return app;
    }

    /// <summary>503 with a problem body while the database is unreachable (a refused or timed-out connection, a
    /// server shutting down), so a load balancer takes the instance out instead of sending it requests that fail.</summary>
    private static async Task<IResult> Readiness(AppDb db, CancellationToken ct)
    {
        bool ready;
        try { ready = await db.Database.CanConnectAsync(ct); }
        catch (Exception ex) when (Database.IsUnavailable(ex)) { ready = false; }
        return ready ? Results.Ok(new ProbeStatus("ready")) : Results.Problem(statusCode: 503, title: "Database unreachable");
    }
}

/// <summary>A probe's answer: <c>{"status":"ok"}</c> or <c>{"status":"ready"}</c>.</summary>
public sealed record ProbeStatus(string Status);
