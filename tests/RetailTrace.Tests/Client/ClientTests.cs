using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using RetailTrace.Client.Admin;
using RetailTrace.Client.Brand;
using RetailTrace.Client.Dispensary;
using RetailTrace.Client.Store;
using RetailTrace.Tests.Infrastructure;
using RetailTrace.Tests.Store;

namespace RetailTrace.Tests.Client;

/// <summary>
/// The typed clients (clients/RetailTrace.Client, generated from the committed documents) drive each API end to end
/// over HTTP: requests they build are ones the server accepts, and answers parse into their models. The HTTP clients
/// come from the fixture, so every answer is also checked against its document.
/// </summary>
public abstract class ClientTests(AppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Credentials travel as the HttpClient's default headers (bearer token, or partner and developer keys).</summary>
    private static HttpClientRequestAdapter Adapter(HttpClient http) =>
        new(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = http.BaseAddress!.ToString().TrimEnd('/') };

    [Fact]
    public async Task Dispensary_client_takes_a_token_imports_a_case_sells_and_traces()
    {
        var tenant = await app.NewDispensaryAsync();
        var minted = await app.MintCaseAsync(2);
        var http = app.Client();
        var client = new DispensaryClient(Adapter(http));

        var token = await client.O.Token.EmptyPathSegment.PostAsync(new RetailTrace.Client.Dispensary.O.Token.PostRequestBody
        {
            GrantType = RetailTrace.Client.Dispensary.O.Token.PostRequestBody_grant_type.Client_credentials,
            ClientId = tenant.ClientId, ClientSecret = tenant.ClientSecret,
        }, cancellationToken: Ct);
        Assert.Equal("Bearer", token!.TokenType);
        http.DefaultRequestHeaders.Authorization = new("Bearer", token.AccessToken);

        var imported = await client.Api.V12.Caseids.Import.EmptyPathSegment.PostAsync(new RetailTrace.Client.Dispensary.Api.V12.Caseids.Import.PostRequestBody
        {
            CaseUuid = minted.CaseUuid, PackagedProductUuid = minted.Parts[0].PackagedProductUuid,
            PosProductId = "SKU-1", PosInventoryId = "INV-1", PackageUid = "PKG-CLIENT-1",
        }, cancellationToken: Ct);
        Assert.NotNull(imported);
        var lucidId = minted.Parts[0].LucidIds[0];
        var sale = await client.Api.V12.Transactions.Complete.EmptyPathSegment.PostAsync(new RetailTrace.Client.Dispensary.Api.V12.Transactions.Complete.PostRequestBody
        {
            PerformedAt = DateTimeOffset.Parse("2024-05-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            Items = [lucidId], OrderId = "ORDER-CLIENT-1",
        }, cancellationToken: Ct);
        Assert.NotNull(sale);

        var trace = await client.Api.V12.Lucidids[lucidId].EmptyPathSegment.GetAsync(cancellationToken: Ct);
        Assert.Equal("sold", trace!.State);
    }

    [Fact]
    public async Task Brand_client_creates_a_product_batch_packaged_product_and_mints_a_case()
    {
        var tenant = await app.NewBrandAsync();
        var client = new BrandClient(Adapter(tenant.Client));

        var product = await client.Api.V15.Products.Create.EmptyPathSegment.PostAsync(new() { Name = "Berry Gummies" }, cancellationToken: Ct);
        var batch = await client.Api.V15.Batches.Create.EmptyPathSegment.PostAsync(new() { Name = "Lot 1" }, cancellationToken: Ct);
        var packaged = await client.Api.V15.Batches[batch!.Uuid!].PackagedProducts.EmptyPathSegment.PostAsync(new() { ProductUuid = product!.Uuid }, cancellationToken: Ct);
        var minted = await client.Api.V15.Cases.Create.EmptyPathSegment.PostAsync(new()
        {
            Contents = [new() { PackagedProductUuid = packaged!.Uuid, Quantity = 3 }],
        }, cancellationToken: Ct);

        var detail = await client.Api.V15.Cases[minted!.CaseUuid!].EmptyPathSegment.GetAsync(cancellationToken: Ct);
        var part = Assert.Single(detail!.Contents!);
        Assert.Equal(packaged.Uuid, part.PackagedProductUuid);
        Assert.Equal(3, part.LucidIds!.Count);
        Assert.Equal(minted.Contents![0].LucidIds, part.LucidIds);
    }

    [Fact]
    public async Task Store_client_creates_and_accepts_a_transfer_that_the_worker_then_applies()
    {
        var s = await app.NewStoreAsync();
        var (product, batch) = await app.StockAsync(s, 10);
        var transfers = new StoreClient(Adapter(s.Client)).Api.V1.Partner.Store.Batches.TransferInventory;

        var created = await transfers.EmptyPathSegment.PostAsync(new()
        {
            FromInventoryId = s.FrontRoomId, ToInventoryId = s.VaultId, CurrentEmployeeId = s.EmployeeId,
            TransferLogs = [new() { ProductId = product, FromBatchId = batch, TransferAmount = 4 }],
        }, cancellationToken: Ct);
        Assert.Equal("PENDING", created!.Status);

        var accepted = await transfers[created.Id!].Accept.PostAsync(new() { CurrentEmployeeId = s.EmployeeId }, cancellationToken: Ct);
        Assert.Equal(("ACCEPTED", true, false), (accepted!.Status, accepted.Processing, accepted.CompleteTransfer));

        // The transfer worker applies accepted transfers in the background; here it is run once, deterministically.
        Assert.True(await app.ProcessTransfersAsync() >= 1);
        var applied = await transfers[created.Id!].GetAsync(cancellationToken: Ct);
        Assert.Equal((false, true), (applied!.Processing, applied.CompleteTransfer));
        var log = Assert.Single(applied.TransferLogs!);
        Assert.Equal((10d, 6d, 0d, 4d), (log.OrigFromQty, log.FinalFromQty, log.OrigToQty, log.FinalInventory));
    }

    [Fact]
    public async Task Admin_client_provisions_and_renames_a_brand()
    {
        var client = new AdminClient(Adapter(app.AdminClient()));

        var brand = await client.Admin.V1.Brands.PostAsync(new() { Name = "Client Brand" }, cancellationToken: Ct);
        var renamed = await client.Admin.V1.Brands[brand!.Uuid!].PatchAsync(new() { Name = "Client Brand Renamed" }, cancellationToken: Ct);
        Assert.Equal((brand.Uuid, "Client Brand Renamed"), (renamed!.Uuid, renamed.Name));
        var dispensary = await client.Admin.V1.Dispensaries.PostAsync(new() { Name = "Client Dispensary", TimeZone = "America/Denver" }, cancellationToken: Ct);
        Assert.Equal("America/Denver", dispensary!.TimeZone);
    }
}

public sealed class ClientTestsOnSqlite(SqliteApp app) : ClientTests(app), IClassFixture<SqliteApp>;

public sealed class ClientTestsOnPostgres(PostgresApp app) : ClientTests(app), IClassFixture<PostgresApp>;
