using System.Net.Http.Headers;
using RetailTrace.Common;
using RetailTrace.Auth;
using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.BrandApi;

/// <summary>Authentication of the v1.5 family and isolation between brands.</summary>
public abstract class BrandAccessTests(AppFixture app)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>Every v1.5 endpoint of this family, with ids filled in.</summary>
    private static IEnumerable<(HttpMethod Method, string Url)> Endpoints(string batch, string packaged, string product, string @case) =>
    [
        (HttpMethod.Get, "/api/v1.5/batches/"),
        (HttpMethod.Get, $"/api/v1.5/batches/{batch}/"),
        (HttpMethod.Post, "/api/v1.5/batches/create/"),
        (HttpMethod.Put, $"/api/v1.5/batches/{batch}/update/"),
        (HttpMethod.Post, $"/api/v1.5/batches/{batch}/packaged-products/"),
        (HttpMethod.Put, $"/api/v1.5/batches/{batch}/packaged-products/{packaged}/update/"),
        (HttpMethod.Patch, $"/api/v1.5/batches/{batch}/packaged-products/{packaged}/update/"),
        (HttpMethod.Delete, $"/api/v1.5/batches/{batch}/packaged-products/{packaged}/delete/"),
        (HttpMethod.Get, "/api/v1.5/products/"),
        (HttpMethod.Get, $"/api/v1.5/products/{product}/"),
        (HttpMethod.Post, "/api/v1.5/products/create/"),
        (HttpMethod.Put, $"/api/v1.5/products/{product}/update/"),
        (HttpMethod.Patch, $"/api/v1.5/products/{product}/update/"),
        (HttpMethod.Get, "/api/v1.5/digital-coas/"),
        (HttpMethod.Post, "/api/v1.5/digital-coas/create/"),
        (HttpMethod.Post, "/api/v1.5/cases/create/"),
        (HttpMethod.Get, $"/api/v1.5/cases/{@case}/"),
    ];

    [Fact]
    public async Task Every_endpoint_requires_a_valid_brand_token()
    {
        var anonymous = app.Client();
        var badToken = app.Client();
        badToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        var dispensary = await app.NewDispensaryAsync();
        var id = ShortUuid.NewId();
        foreach (var (method, url) in Endpoints(id, id, id, id))
        {
            using (var response = await anonymous.SendAsync(new HttpRequestMessage(method, url), Ct))
            {
                Assert.True((int)response.StatusCode == 401, $"{method} {url} → {(int)response.StatusCode}");
                await Http.AssertDrfUnauthorizedAsync(response, LucidAuthHandler.NotProvided);
            }
            using (var response = await badToken.SendAsync(new HttpRequestMessage(method, url), Ct))
                await Http.AssertDrfUnauthorizedAsync(response, LucidAuthHandler.InvalidToken);
            var (status, _, raw) = await dispensary.Client.SendAsync(method, url, new { });
            Assert.True(status == 403, $"{method} {url} → {status}");
            Assert.Equal("""{"detail":"You do not have permission to perform this action."}""", raw);
        }
    }

    [Fact]
    public async Task A_revoked_client_is_refused_within_the_token_cache_lifetime()
    {
        var b = await app.NewBrandAsync();
        var (before, _, _) = await b.Client.GetJsonAsync("/api/v1.5/batches/");
        Assert.Equal(200, before);
        var (revoked, _, _) = await app.AdminClient().PostJsonAsync($"/admin/v1/oauth-clients/{b.ClientId}/revoke");
        Assert.Equal(204, revoked);
        await Task.Delay(TimeSpan.FromSeconds(LucidAuthHandler.CacheSeconds + 1), Ct);
        using var response = await b.Client.GetAsync("/api/v1.5/batches/", Ct);
        await Http.AssertDrfUnauthorizedAsync(response, LucidAuthHandler.InvalidToken);
    }

    [Fact]
    public async Task Another_brand_gets_404_for_every_id_and_sees_nothing_in_lists()
    {
        var owner = await app.NewBrandAsync();
        var (batch, product, packaged) = await owner.NewPackagedAsync();
        await owner.NewCoaAsync();
        var minted = await owner.Client.CreatedAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 1 } } });
        var stranger = await app.NewBrandAsync();

        var caseUuid = (string)minted["case_uuid"]!;
        string[] ids = [batch, packaged, product, caseUuid];
        foreach (var (method, url) in Endpoints(batch, packaged, product, caseUuid).Where(e => ids.Any(e.Url.Contains)))
        {
            var (status, _, raw) = await stranger.Client.SendAsync(method, url, new { name = "x", product_uuid = product });
            Assert.True(status == 404, $"{method} {url} → {status}: {raw}");
            Assert.Equal("""{"detail":"Not found."}""", raw);
        }
        foreach (var list in new[] { "/api/v1.5/batches/", "/api/v1.5/products/", "/api/v1.5/digital-coas/" })
        {
            var (status, _, raw) = await stranger.Client.GetJsonAsync(list);
            Assert.Equal(200, status);
            Assert.Equal("""{"count":0,"next":null,"previous":null,"results":[]}""", raw);
        }
        var (mint, _, mintRaw) = await stranger.Client.PostJsonAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = packaged, quantity = 1 } } });
        Assert.Equal(400, mint);
        Assert.Equal($$"""{"contents":[{"packaged_product_uuid":["Invalid pk \"{{packaged}}\" - object does not exist."]}]}""", mintRaw);
        var (_, detail, _) = await owner.Client.GetJsonAsync($"/api/v1.5/batches/{batch}/");
        Assert.Equal("Batch 1", (string)detail!["name"]!);
        Assert.Single(detail["packaged_products"]!.AsArray());
    }

    [Fact]
    public async Task A_case_holds_the_packaged_products_of_one_brand_even_for_a_client_of_both()
    {
        var first = await app.NewBrandAsync();
        var second = await app.NewBrandAsync();
        var client = await Tenants.Created(app.AdminClient(), "/admin/v1/oauth-clients",
            new { name = "Group ERP", brand_uuids = new[] { first.BrandUuid, second.BrandUuid }, default_brand_uuid = first.BrandUuid });
        var both = await Tenants.BearerClientAsync(app, (string)client["client_id"]!, (string)client["client_secret"]!);
        var (_, _, mine) = await first.NewPackagedAsync();
        var (_, _, theirs) = await second.NewPackagedAsync();

        var (status, _, raw) = await both.PostJsonAsync("/api/v1.5/cases/create/",
            new { contents = new[] { new { packaged_product_uuid = mine, quantity = 1 }, new { packaged_product_uuid = theirs, quantity = 1 } } });
        Assert.Equal((400, """{"contents":["All packaged products of a case must belong to the same brand."]}"""), (status, raw));
        var (one, _, _) = await both.PostJsonAsync("/api/v1.5/cases/create/", new { contents = new[] { new { packaged_product_uuid = theirs, quantity = 1 } } });
        Assert.Equal(201, one);
    }

    [Fact]
    public async Task A_multi_brand_client_sees_and_uses_both_brands()
    {
        var first = await app.NewBrandAsync();
        var second = await app.NewBrandAsync();
        var admin = app.AdminClient();
        var client = await Tenants.Created(admin, "/admin/v1/oauth-clients",
            new { name = "Group ERP", brand_uuids = new[] { first.BrandUuid, second.BrandUuid }, default_brand_uuid = first.BrandUuid });
        var both = new BrandTenant(first.BrandUuid, (string)client["client_id"]!, (string)client["client_secret"]!,
            await Tenants.BearerClientAsync(app, (string)client["client_id"]!, (string)client["client_secret"]!));
        var a = await first.NewBatchAsync("A");
        var b = await second.NewBatchAsync("B");

        var (status, body, _) = await both.Client.GetJsonAsync("/api/v1.5/batches/");
        Assert.Equal(200, status);
        Assert.Equal(2, (int)body!["count"]!);
        Assert.Equal([b.Uuid(), a.Uuid()], body["results"]!.AsArray().Select(r => (string)r!["uuid"]!));
        var (get, _, _) = await both.Client.GetJsonAsync($"/api/v1.5/batches/{b.Uuid()}/");
        Assert.Equal(200, get);

        var byDefault = await both.NewBatchAsync("C");
        Assert.Equal(first.BrandUuid, (string)byDefault["brand_uuid"]!);
        var explicitly = await both.Client.CreatedAsync("/api/v1.5/batches/create/", new { name = "D", brand_uuid = second.BrandUuid });
        Assert.Equal(second.BrandUuid, (string)explicitly["brand_uuid"]!);
        var (_, firstOnly, _) = await first.Client.GetJsonAsync("/api/v1.5/batches/");
        Assert.Equal(2, (int)firstOnly!["count"]!);
    }
}

public sealed class BrandAccessTestsOnSqlite(SqliteApp app) : BrandAccessTests(app), IClassFixture<SqliteApp>;
public sealed class BrandAccessTestsOnPostgres(PostgresApp app) : BrandAccessTests(app), IClassFixture<PostgresApp>;
