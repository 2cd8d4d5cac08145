using RetailTrace.Common;

namespace RetailTrace.Tests.Common;

public class ShortUuidTests
{
    [Theory]
    [InlineData("3b1f8b40-222c-4a6e-b77e-779d5a94e21c", "CXc85b4rqinB7s5J52TRYb")]
    [InlineData("6ca4f0f8-2508-4bac-b8f1-5d1e3da2247a", "MLpZDiEXM4VsUryR9oE8uc")]
    [InlineData("941fc29d-72be-456e-a020-bf3808eee434", "UNDTMBovdue9tFWfhamnDM")]
    [InlineData("00000000-0000-0000-0000-000000000000", "2222222222222222222222")]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff", "oZEq7ovRbLq6UnGMPwc8B5")]
    public void Encodes_and_decodes_the_spec_vectors(string uuid, string shortUuid)
    {
        Assert.Equal(shortUuid, ShortUuid.Encode(Guid.Parse(uuid)));
        Assert.True(ShortUuid.TryDecode(shortUuid, out var decoded));
        Assert.Equal(Guid.Parse(uuid), decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("CXc85b4rqinB7s5J52TRY")]          // 21 chars
    [InlineData("CXc85b4rqinB7s5J52TRYbb")]        // 23 chars
    [InlineData("CXc85b4rqinB7s5J52TRY0")]         // '0' is not in the alphabet
    [InlineData("CXc85b4rqinB7s5J52TRYl")]         // 'l' is not in the alphabet
    [InlineData("CXc85b4rqinB7s5J52TRYI")]         // 'I' is not in the alphabet
    [InlineData("CXc85b4rqinB7s5J52TRY-")]
    [InlineData("CXc85b4rqinB7s5J52TRYé")]
    [InlineData("oZEq7ovRbLq6UnGMPwc8B6")]         // max UUID + 1 = 2^128
    [InlineData("zzzzzzzzzzzzzzzzzzzzzz")]         // far above 2^128
    [InlineData(null)]
    public void Rejects_invalid_text(string? text) => Assert.False(ShortUuid.TryDecode(text, out _));

    [Fact]
    public void Round_trips_random_uuids()
    {
        for (var i = 0; i < 1000; i++)
        {
            var id = Guid.NewGuid();
            var text = ShortUuid.Encode(id);
            Assert.Equal(22, text.Length);
            Assert.Equal(id, ShortUuid.Decode(text));
        }
    }
}

public class ObjectIdTests
{
    [Fact]
    public void New_ids_are_24_lowercase_hex_with_the_epoch_seconds_first()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var id = ObjectId.NewId();
        Assert.Matches("^[0-9a-f]{24}$", id);
        Assert.True(ObjectId.IsValid(id));
        var seconds = Convert.ToInt64(id[..8], 16);
        Assert.InRange(seconds, before, before + 2);
        Assert.NotEqual(id, ObjectId.NewId());
    }

    [Theory]
    [InlineData("")]
    [InlineData("65a1b2c3d4e5f6a7b8c9d0e")]
    [InlineData("65A1B2C3D4E5F6A7B8C9D0E1")]
    [InlineData("65a1b2c3d4e5f6a7b8c9d0eg")]
    public void Rejects_malformed_ids(string id) => Assert.False(ObjectId.IsValid(id));
}
