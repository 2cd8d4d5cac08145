using RetailTrace.Tests.Infrastructure;

namespace RetailTrace.Tests.Contract;

/// <summary>The check every test's responses go through catches each kind of drift from the documents.</summary>
public sealed class ContractCheckTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private const string Create = "/api/v1.5/batches/create/";

    [Fact]
    public async Task A_body_missing_a_documented_field_is_a_violation()
    {
        var contract = await app.ContractAsync();
        var problems = contract.Check("POST", Create, 201, "application/json", """{"uuid":"CXc85b4rqinB7s5J52TRYb","name":"B"}""");
        Assert.Contains("does not match the schema of status 201", Assert.Single(problems));
        Assert.Contains("regulatory_id", problems[0]);
    }

    [Fact]
    public async Task A_field_of_the_wrong_casing_or_type_is_a_violation()
    {
        var contract = await app.ContractAsync();
        var wrongType = contract.Check("GET", "/api/v1/partner/store/batches/transferInventory/5f0000000000000000000001", 404, "application/json",
            """{"field":"historyId","message":"x","errorType":7,"references":null}""");
        Assert.Contains("/errorType", Assert.Single(wrongType));
        var snakeCase = contract.Check("GET", "/api/v1/partner/store/batches/transferInventory/5f0000000000000000000001", 404, "application/json",
            """{"field":"historyId","message":"x","error_type":"com.fourtwenty.core.exceptions.BlazeNotFoundException","references":null}""");
        Assert.Contains("errorType", Assert.Single(snakeCase));
    }

    [Fact]
    public async Task An_undocumented_status_or_content_type_is_a_violation()
    {
        var contract = await app.ContractAsync();
        Assert.StartsWith("status 418 is not documented", Assert.Single(contract.Check("POST", Create, 418, "application/json", "{}")));
        Assert.StartsWith("content type 'text/html' is not documented for status 201",
            Assert.Single(contract.Check("POST", Create, 201, "text/html", "<p>created</p>")));
    }

    [Fact]
    public async Task Unknown_routes_and_undocumented_methods_are_outside_the_contract()
    {
        var contract = await app.ContractAsync();
        Assert.Empty(contract.Check("GET", "/api/v1.5/no/such/thing/", 404, "application/json", """{"detail":"Not found."}"""));
        Assert.Empty(contract.Check("DELETE", Create, 405, "application/json", """{"detail":"Method \"DELETE\" not allowed."}"""));
    }

    [Fact]
    public async Task Every_family_has_its_document_and_the_combined_one_is_kept()
    {
        var http = app.Client();
        foreach (var family in ContractDocuments.Families)
        {
            var (status, doc, _) = await http.GetJsonAsync($"/openapi/{family}.json");
            Assert.Equal(200, status);
            Assert.NotEmpty(doc!["paths"]!.AsObject());
            Assert.NotEmpty(doc["components"]!["securitySchemes"]!.AsObject());
        }
        var (_, store, _) = await http.GetJsonAsync("/openapi/store.json");
        Assert.NotNull(store!["components"]!["schemas"]!["TransferView"]!["properties"]!["fromInventoryId"]);
        Assert.Equal("/o/token/", (string)(await http.GetJsonAsync("/openapi/brand.json")).Body!["components"]!["securitySchemes"]!["brandOAuth2"]!["flows"]!["clientCredentials"]!["tokenUrl"]!);
        // The combined document takes every family's credential, and its store operations ask for the store's keys.
        var (combinedStatus, combined, _) = await http.GetJsonAsync("/openapi/v1.json");
        Assert.Equal(200, combinedStatus);
        Assert.Equal(["adminToken", "bearerToken", "developerKey", "oauth2", "partnerKey"],
            combined!["components"]!["securitySchemes"]!.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal("""[{"partnerKey":[],"developerKey":[]}]""", combined["paths"]!["/api/v1/partner/store/batches/"]!["get"]!["security"].Json());
    }
}
