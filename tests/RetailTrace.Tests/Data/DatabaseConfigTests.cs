using Npgsql;
using RetailTrace.Data;

namespace RetailTrace.Tests.Data;

/// <summary>The PostgreSQL connection string the server runs with (auto-prepare: bench/RESULTS.md).</summary>
public sealed class DatabaseConfigTests
{
    [Fact]
    public void Auto_prepare_is_turned_on_when_the_connection_string_does_not_say()
    {
        var cs = new NpgsqlConnectionStringBuilder(Database.WithAutoPrepare("Host=127.0.0.1;Username=app;Database=rt"));
        Assert.Equal(64, cs.MaxAutoPrepare);
        Assert.Equal("app", cs.Username);
        Assert.Equal("rt", cs.Database);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Max Auto Prepare=0")]
    [InlineData("Host=127.0.0.1;MaxAutoPrepare=5")]
    public void An_explicit_max_auto_prepare_is_kept(string given) =>
        Assert.Equal(given, Database.WithAutoPrepare(given));
}
