using Npgsql;
using RetailTrace.Data;

namespace RetailTrace.Tests.Data;

/// <summary>The PostgreSQL connection settings the server adds (<see cref="Database.WithPoolSettings"/> says why); an explicit setting wins.</summary>
public sealed class DatabaseConfigTests
{
    [Fact]
    public void Auto_prepare_is_on_and_session_reset_off_when_the_connection_string_does_not_say()
    {
        var cs = new NpgsqlConnectionStringBuilder(Database.WithPoolSettings("Host=127.0.0.1;Username=app;Database=rt"));
        Assert.Equal(64, cs.MaxAutoPrepare);
        Assert.True(cs.NoResetOnClose);
        Assert.Equal("app", cs.Username);
        Assert.Equal("rt", cs.Database);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Max Auto Prepare=0;No Reset On Close=false", 0)]
    [InlineData("Host=127.0.0.1;MaxAutoPrepare=5;NoResetOnClose=false", 5)]
    public void Explicit_settings_are_kept(string given, int maxAutoPrepare)
    {
        var cs = new NpgsqlConnectionStringBuilder(Database.WithPoolSettings(given));
        Assert.Equal(maxAutoPrepare, cs.MaxAutoPrepare);
        Assert.False(cs.NoResetOnClose);
    }
}
