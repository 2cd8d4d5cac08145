namespace RetailTrace.Tests.Infrastructure;

/// <summary>
/// Directories for the files a test leaves behind it (SQLite databases, export stores of servers it
/// started), all under one root per test run that is deleted when the run ends.
/// </summary>
public static class TempDirs
{
    private static readonly string Root = Directory.CreateTempSubdirectory("rt-tests-").FullName;

    static TempDirs() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    };

    public static string New(string prefix) => Directory.CreateDirectory(Path.Combine(Root, prefix + Guid.NewGuid().ToString("N")[..8])).FullName;
}
