namespace RetailTrace.Data;

/// <summary>What a unit of work answers, and whether its changes are kept.</summary>
public readonly record struct Outcome(IResult Result, bool Commit)
{
    public static Outcome Committed(IResult result) => new(result, true);
    public static Outcome RolledBack(IResult result) => new(result, false);
}

/// <summary>The earlier unit-of-work API, on top of <see cref="Writes.WriteAsync"/>, while its callers move over.</summary>
public static class WriteTransaction
{
    public static async Task<IResult> InWriteTransactionAsync(this AppDb db, Func<AppDb, Task<Outcome>> work, CancellationToken ct)
    {
        try
        {
            return await db.WriteAsync(async () =>
            {
                var outcome = await work(db);
                return outcome.Commit ? outcome.Result : throw new RolledBackException(outcome.Result);
            }, ct);
        }
        catch (RolledBackException rolledBack)
        {
            return rolledBack.Result;
        }
    }

    public static Task<T> WriteAsync<T>(this AppDb db, Func<AppDb, Task<T>> work, CancellationToken ct) => db.WriteAsync(() => work(db), ct);

    private sealed class RolledBackException(IResult result) : Exception
    {
        public IResult Result { get; } = result;
    }
}
