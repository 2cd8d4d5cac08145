using RetailTrace.Common;
using RetailTrace.Tests.Infrastructure;
using static RetailTrace.Tests.Dispensary.DispensaryKit;

namespace RetailTrace.Tests.Dispensary;

public abstract class TransactionsTests(AppFixture app)
{
    private const string Complete = "/api/v1.2/transactions/complete/";
    private const string VoidUrl = "/api/v1.2/transactions/void/";
    private const string Return = "/api/v1.2/transactions/return/";
    private const string ItemsRequired = """["items should be specified when transaction type is complete or return."]""";
    private const string AlreadyProcessed = """{"message":"This transaction has already been processed."}""";

    private async Task<(DispensaryTenant D, MintedCase Case)> StockedAsync(params int[] units)
    {
        var d = await app.NewDispensaryAsync();
        var c = await app.MintCaseAsync(units);
        for (var part = 0; part < c.Parts.Count; part++) await d.Client.ImportAsync(c, part, "PKG-" + part);
        return (d, c);
    }

    [Theory]
    [InlineData(Complete, """{"performed_at":"2024-05-01T10:00:00Z","order_id":"o-1"}""")]
    [InlineData(Complete, """{"performed_at":"2024-05-01T10:00:00Z","order_id":"o-1","items":null}""")]
    [InlineData(Complete, """{"items":[]}""")]
    [InlineData(Return, """{"order_id":"o-1"}""")]
    public async Task Missing_or_empty_items_answer_the_bare_list(string url, string body)
    {
        var d = await app.NewDispensaryAsync();
        var (status, _, raw) = await d.Client.PostRawAsync(url, body);
        Assert.Equal(400, status);
        Assert.Equal(ItemsRequired, raw);
    }

    [Fact]
    public async Task Other_field_errors_come_in_drf_shape()
    {
        var d = await app.NewDispensaryAsync();
        var (status, _, raw) = await d.Client.PostRawAsync(Complete, """{"performed_at":"yesterday","items":"abc","order_id":""}""");
        Assert.Equal(400, status);
        // Compared as JSON: the foundation's DRF encoder writes "+" as \u002B.
        AssertJson("""{"performed_at":["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],"items":["Expected a list of items but got type \"str\"."],"order_id":["This field may not be blank."]}""", raw);

        var (voidStatus, voidRaw) = await d.Client.PostAsync(VoidUrl, new { customer_id = "c" });
        Assert.Equal(400, voidStatus);
        Assert.Equal("""{"performed_at":["This field is required."],"order_id":["This field is required."]}""", voidRaw);
    }

    private static void AssertJson(string expected, string actual) =>
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(expected), System.Text.Json.Nodes.JsonNode.Parse(actual)), actual);

    [Fact]
    public async Task Malformed_lucid_ids_are_listed_as_sent()
    {
        var d = await app.NewDispensaryAsync();
        var ok = ShortUuid.NewId();
        var (status, _, raw) = await d.Client.PostRawAsync(Complete, $$"""{"performed_at":"{{PerformedAt}}","items":["{{ok}}","invalid_lucid_id_format",5,null],"order_id":"o-1"}""");
        Assert.Equal(400, status);
        Assert.Equal("""{"items":{"Invalid LucidIDs":["invalid_lucid_id_format",5,null]}}""", raw);
    }

    [Fact]
    public async Task A_thousand_items_are_the_most_one_transaction_takes()
    {
        var (d, c) = await StockedAsync(1000);
        var (status, raw) = await d.Client.PostAsync(Complete, Sale("big", [.. c.Parts[0].LucidIds]));
        Assert.Equal((200, "{}"), (status, raw));

        var items = Enumerable.Range(0, 1001).Select(_ => ShortUuid.NewId()).ToArray();
        (status, raw) = await d.Client.PostAsync(Complete, Sale("bigger", items));
        Assert.Equal(400, status);
        Assert.Equal("""{"items":["Ensure this field has no more than 1000 elements."]}""", raw);
    }

    [Fact]
    public async Task Complete_with_unknown_lucid_id_lists_it_as_unknown()
    {
        var (d, c) = await StockedAsync(2);
        var ghost = ShortUuid.NewId();
        var known = c.Parts[0].LucidIds[0];
        var (status, raw) = await d.Client.PostAsync(Complete, Sale("o-1", ghost, known, ghost));
        Assert.Equal(400, status);
        Assert.Equal($$$"""{"items":{"invalid":[],"unknown":["{{{ghost}}}"],"valid":["{{{known}}}"]}}""", raw);
    }

    [Fact]
    public async Task Complete_with_a_sold_unit_lists_it_as_invalid_in_request_order()
    {
        var (d, c) = await StockedAsync(3);
        var ids = c.Parts[0].LucidIds;
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-1", ids[1]))).Status);
        var ghost = ShortUuid.NewId();
        var (status, raw) = await d.Client.PostAsync(Complete, Sale("o-2", ids[2], ids[1], ghost, ids[0]));
        Assert.Equal(400, status);
        Assert.Equal($$$"""{"items":{"invalid":["{{{ids[1]}}}"],"unknown":["{{{ghost}}}"],"valid":["{{{ids[2]}}}","{{{ids[0]}}}"]}}""", raw);
    }

    [Fact]
    public async Task Complete_with_units_not_in_this_inventory_is_non_imported()
    {
        var (d, c) = await StockedAsync(2);
        var minted = await app.MintCaseAsync(1);
        var (other, otherCase) = await StockedAsync(1);
        var foreign = otherCase.Parts[0].LucidIds[0];
        var (status, raw) = await d.Client.PostAsync(Complete, Sale("o-1", c.Parts[0].LucidIds[0], minted.Parts[0].LucidIds[0], foreign));
        Assert.Equal(400, status);
        Assert.Equal($$"""{"message":"This transaction contains non-imported lucid ids.","non_imported_lucidids":["{{minted.Parts[0].LucidIds[0]}}","{{foreign}}"],"valid_transaction":false}""", raw);

        // Another dispensary's unit alone is refused the same way, and stays that dispensary's to sell.
        (status, raw) = await d.Client.PostAsync(Complete, Sale("o-2", foreign));
        Assert.Equal((400, $$"""{"message":"This transaction contains non-imported lucid ids.","non_imported_lucidids":["{{foreign}}"],"valid_transaction":false}"""), (status, raw));
        Assert.Equal("in_inventory", await other.Client.StateAsync(foreign));
        Assert.Equal((200, "{}"), await other.Client.PostAsync(Complete, Sale("o-2", foreign)));
    }

    [Fact]
    public async Task Complete_sells_and_a_replay_is_already_processed()
    {
        var (d, c) = await StockedAsync(3);
        var ids = c.Parts[0].LucidIds;
        var body = new { performed_at = PerformedAt, items = new[] { ids[0], ids[1], ids[0] }, order_id = "o-1", customer_id = "cust", budtender_id = "bud" };
        var (status, raw) = await d.Client.PostAsync(Complete, body);
        Assert.Equal(200, status);
        Assert.Equal("{}", raw);
        Assert.Equal("sold", await d.Client.StateAsync(ids[0]));
        Assert.Equal("sold", await d.Client.StateAsync(ids[1]));
        Assert.Equal("in_inventory", await d.Client.StateAsync(ids[2]));

        var (again, againRaw) = await d.Client.PostAsync(Complete, body);
        Assert.Equal(400, again);
        Assert.Equal(AlreadyProcessed, againRaw);
    }

    [Fact]
    public async Task Void_or_return_of_an_unknown_order_finds_no_completed_transaction()
    {
        var (d, c) = await StockedAsync(1);
        var (other, theirs) = await StockedAsync(1);
        Assert.Equal(200, (await other.Client.PostAsync(Complete, Sale("theirs", theirs.Parts[0].LucidIds[0]))).Status);
        foreach (var order in new[] { "nope", "theirs" })
        {
            var (status, raw) = await d.Client.PostAsync(VoidUrl, Void(order));
            Assert.Equal(400, status);
            Assert.Equal($$"""{"message":"No completed transaction found for order_id={{order}}."}""", raw);
            (status, raw) = await d.Client.PostAsync(Return, Sale(order, c.Parts[0].LucidIds[0]));
            Assert.Equal(400, status);
            Assert.Equal($$"""{"message":"No completed transaction found for order_id={{order}}."}""", raw);
        }
    }

    [Fact]
    public async Task Sell_void_sell_again()
    {
        var (d, c) = await StockedAsync(2);
        var ids = c.Parts[0].LucidIds.ToArray();
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-1", ids))).Status);
        var (status, raw) = await d.Client.PostAsync(VoidUrl, Void("o-1"));
        Assert.Equal(200, status);
        Assert.Equal("{}", raw);
        Assert.Equal("in_inventory", await d.Client.StateAsync(ids[0]));
        Assert.Equal(AlreadyProcessed, (await d.Client.PostAsync(VoidUrl, Void("o-1"))).Raw);
        // The voided order id stays used; a new order sells the units again.
        Assert.Equal(AlreadyProcessed, (await d.Client.PostAsync(Complete, Sale("o-1", ids))).Raw);
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-2", ids))).Status);
        Assert.Equal("sold", await d.Client.StateAsync(ids[1]));
    }

    [Fact]
    public async Task Sell_return_sell_again()
    {
        var (d, c) = await StockedAsync(3);
        var ids = c.Parts[0].LucidIds;
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-1", ids[0], ids[1]))).Status);
        var (status, raw) = await d.Client.PostAsync(Return, Sale("o-1", ids[0]));
        Assert.Equal(200, status);
        Assert.Equal("{}", raw);
        Assert.Equal("in_inventory", await d.Client.StateAsync(ids[0]));
        Assert.Equal("sold", await d.Client.StateAsync(ids[1]));
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-2", ids[0], ids[2]))).Status);
        Assert.Equal("sold", await d.Client.StateAsync(ids[0]));
    }

    [Fact]
    public async Task Return_of_units_not_sold_in_that_order_lists_them_as_invalid()
    {
        var (d, c) = await StockedAsync(3);
        var ids = c.Parts[0].LucidIds;
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-1", ids[0]))).Status);
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-2", ids[1]))).Status);
        var ghost = ShortUuid.NewId();
        var (status, raw) = await d.Client.PostAsync(Return, Sale("o-1", ids[1], ids[0], ids[2], ghost));
        Assert.Equal(400, status);
        Assert.Equal($$$"""{"items":{"invalid":["{{{ids[1]}}}","{{{ids[2]}}}"],"unknown":["{{{ghost}}}"],"valid":["{{{ids[0]}}}"]}}""", raw);
        Assert.Equal("sold", await d.Client.StateAsync(ids[0]));
    }

    [Fact]
    public async Task Void_after_a_partial_return_puts_back_the_rest_and_a_second_return_is_already_processed()
    {
        var (d, c) = await StockedAsync(3);
        var ids = c.Parts[0].LucidIds.ToArray();
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-1", ids))).Status);
        Assert.Equal(200, (await d.Client.PostAsync(Return, Sale("o-1", ids[0]))).Status);
        Assert.Equal(AlreadyProcessed, (await d.Client.PostAsync(Return, Sale("o-1", ids[1]))).Raw);
        Assert.Equal(200, (await d.Client.PostAsync(VoidUrl, Void("o-1"))).Status);
        foreach (var id in ids) Assert.Equal("in_inventory", await d.Client.StateAsync(id));
        var (_, trace, _) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{ids[0]}/");
        Assert.Equal(["minted", "imported", "sold", "returned"], trace!["history"]!.AsArray().Select(e => (string)e!["event"]!));
        (_, trace, _) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{ids[1]}/");
        Assert.Equal(["minted", "imported", "sold", "voided"], trace!["history"]!.AsArray().Select(e => (string)e!["event"]!));
    }

    [Fact]
    public async Task Return_after_void_finds_nothing_sold()
    {
        var (d, c) = await StockedAsync(1);
        var id = c.Parts[0].LucidIds[0];
        Assert.Equal(200, (await d.Client.PostAsync(Complete, Sale("o-1", id))).Status);
        Assert.Equal(200, (await d.Client.PostAsync(VoidUrl, Void("o-1"))).Status);
        var (status, raw) = await d.Client.PostAsync(Return, Sale("o-1", id));
        Assert.Equal(400, status);
        Assert.Equal($$$"""{"items":{"invalid":["{{{id}}}"],"unknown":[],"valid":[]}}""", raw);
    }

    [Fact]
    public async Task Endpoints_require_a_dispensary_token()
    {
        await AssertDispensaryOnlyAsync(app, Complete, VoidUrl, Return);
    }

    [Fact]
    public async Task Every_declared_transaction_type_is_served_and_shows_in_the_history_of_its_units()
    {
        // A type is declared once (TransactionTypes); its route and its place in the trace must follow.
        foreach (var type in RetailTrace.Data.TransactionTypes.All)
        {
            var (d, c) = await StockedAsync(2);
            var unit = c.Parts[0].LucidIds[0];
            var order = "declared-" + type.Name;
            if (type.Effect != RetailTrace.Data.TransactionEffect.SellListed)
                Assert.Equal((200, "{}"), await d.Client.PostAsync(Complete, Sale(order, unit)));
            var body = type.ListsItems ? Sale(order, unit) : Void(order);
            Assert.Equal((200, "{}"), await d.Client.PostAsync($"/api/v1.2/transactions/{type.Name}/", body));
            Assert.Equal((400, AlreadyProcessed), await d.Client.PostAsync($"/api/v1.2/transactions/{type.Name}/", body));
            var (status, trace, raw) = await d.Client.GetJsonAsync($"/api/v1.2/lucidids/{unit}/");
            Assert.True(status == 200, raw);
            var last = trace!["history"]!.AsArray()[^1]!;
            Assert.Equal((type.Event, order), ((string?)last["event"], (string?)last["order_id"]));
        }
    }
}

public sealed class TransactionsTestsOnSqlite(SqliteApp app) : TransactionsTests(app), IClassFixture<SqliteApp>;

public sealed class TransactionsTestsOnPostgres(PostgresApp app) : TransactionsTests(app), IClassFixture<PostgresApp>;
