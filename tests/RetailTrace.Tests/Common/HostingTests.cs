using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Common;

/// <summary>How the server is hosted, whatever its database.</summary>
public sealed class HostingTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    /// <summary>
    /// Configuration files are read once. Reloading them on change would watch the content root and every
    /// directory under it, where the SQLite database, its WAL and the local export store live by default, and
    /// each write of a sale would become a file event for the server to read.
    /// </summary>
    [Fact]
    public void Configuration_files_are_read_once_and_not_watched()
    {
        var files = ((IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>()).Providers.OfType<FileConfigurationProvider>().ToList();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} is watched for changes"));
    }
}
