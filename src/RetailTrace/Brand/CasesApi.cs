using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;
using RetailTrace.Webhooks;

namespace RetailTrace.BrandApi;

/// <summary>
/// Extension: minting a case of labelled units (LucidIDs) for packaged products of one brand, and
/// reading a case back with where each of its parts has been imported.
/// </summary>
public static partial class CasesApi
{
    public sealed record CaseRequest(List<CasePartRequest> Contents);
    public sealed record CasePartRequest(string PackagedProductUuid, int Quantity);

    public sealed record CaseResponse(Guid CaseUuid, List<CasePart> Contents);
    public sealed record CasePart(Guid PackagedProductUuid, List<string> LucidIds);

    public sealed record CaseDetail(Guid CaseUuid, List<CaseDetailPart> Contents);
    public sealed record CaseDetailPart(Guid PackagedProductUuid, List<string> LucidIds, CaseImport? Imported);
    /// <summary>The dispensary holding a case part and the POS Package UID it is imported under.</summary>
    public sealed record CaseImport(Guid DispensaryUuid, string PackageUid);

    public const int MaxUnits = 10_000;
    public const string IntegerMessage = "A valid integer is required.";
    public const string EmptyListMessage = "This list may not be empty.";
    public const string DuplicateMessage = "Each packaged product may appear only once in a case.";
    public const string OneBrandMessage = "All packaged products of a case must belong to the same brand.";
    public static readonly string TooManyMessage = $"A case holds at most {MaxUnits} LucidIDs.";

    public static void MapCases(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1.5/cases").RequireAuthorization(LucidAuthHandler.BrandPolicy).WithTags("Extensions");
        group.MapPost("/create/", Create).WithName("CasesCreate")
            .WithSummary("Mint a case: new LucidIDs for packaged products of one brand (1 to 10,000 in total)")
            .AcceptsJson<CaseRequest>()
            .WithExamples(
                request: """{"contents":[{"packaged_product_uuid":"Hm4kP8wQz2rTn6vXc9bJyE","quantity":2}]}""",
                status: 201,
                response: """{"case_uuid":"Tz7hWq3mKp9sVb2xNc4dRf","contents":[{"packaged_product_uuid":"Hm4kP8wQz2rTn6vXc9bJyE","lucid_ids":["5yNqR8tVw3mKc7pZb2xHdA","9kLm2nPq4rSt6vWx8yZa3B"]}]}""")
            .Produces<CaseResponse>(201).ProducesFieldErrors().ProducesDrf(401, 403);
        group.MapGet("/{uuid}/", Get).WithName("CasesGet")
            .WithSummary("A minted case: its LucidIDs per packaged product and where each part is imported (or null)")
            .Produces<CaseDetail>().ProducesDrf(401, 403, 404);
    }

    private static async Task<IResult> Create(HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var (contents, invalid) = ReadContents(body!);
        if (invalid is not null) return invalid;

        var ids = contents!.Select(c => c.PackagedProductId).ToList();
        int? minted = null;
        var result = await db.WriteAsync(async () =>
        {
            minted = null;
            // Read in the write: a packaged product deleted concurrently is either seen missing here, or its
            // deletion is refused for the LucidIDs this mint adds (Writes).
            var owners = await db.PackagedProducts.AsNoTracking()
                .Where(pp => ids.Contains(pp.Id) && caller.BrandIds.Contains(pp.BrandId))
                .ToDictionaryAsync(pp => pp.Id, pp => pp.BrandId, ct);
            if (owners.Count < ids.Count)
                return ContentsErrors(contents!.Select(c => owners.ContainsKey(c.PackagedProductId)
                    ? new Dictionary<string, object>()
                    : new Dictionary<string, object> { ["packaged_product_uuid"] = new[] { BrandRules.DoesNotExist(c.PackagedProductId) } }).ToList());
            if (owners.Values.Distinct().Count() > 1) return ContentsError(OneBrandMessage);
            var response = await AddCaseAsync(db, owners.Values.First(), contents!.Select(c => (c.PackagedProductId, c.Quantity)).ToList(), BrandRules.Now(time), ct);
            minted = contents!.Sum(c => c.Quantity);
            return Drf.Ok(response, StatusCodes.Status201Created);
        }, ct);
        if (minted is { } n) RetailTraceMetrics.ItemEvent(ItemEventTypes.Minted, n);
        return result;
    }

    /// <summary>Mints a case of <paramref name="brandId"/> in a write of its own. The packaged products must be of that brand.</summary>
    public static async Task<CaseResponse> MintAsync(AppDb db, Guid brandId, IReadOnlyList<(Guid PackagedProductId, int Quantity)> contents, DateTime now, CancellationToken ct)
    {
        var minted = await db.WriteAsync(() => AddCaseAsync(db, brandId, contents, now, ct), ct);
        RetailTraceMetrics.ItemEvent(ItemEventTypes.Minted, contents.Sum(c => c.Quantity));
        return minted;
    }

    /// <summary>Writes the case, its LucidIDs and one minted event listing them.</summary>
    private static async Task<CaseResponse> AddCaseAsync(AppDb db, Guid brandId, IReadOnlyList<(Guid PackagedProductId, int Quantity)> contents, DateTime now, CancellationToken ct)
    {
        var @case = new Case { Id = Guid.NewGuid(), BrandId = brandId, CreatedAt = now };
        // Time-ordered (version 7) LucidIDs: a case's units are neighbours in every index on their id, so
        // minting writes a few index pages instead of one random page per unit. 74 random bits remain,
        // still far beyond guessing.
        var mintedAt = new DateTimeOffset(now, TimeSpan.Zero);
        var parts = contents.Select(c => (c.PackagedProductId, Items: Enumerable.Range(0, c.Quantity).Select(_ => Guid.CreateVersion7(mintedAt)).ToList())).ToList();
        var units = parts.SelectMany(p => p.Items.Select(id => new LucidItem
        {
            Id = id, CaseId = @case.Id, PackagedProductId = p.PackagedProductId, BrandId = brandId, State = ItemStates.Minted,
        })).ToList();
        var minted = new ItemEvent { Type = ItemEventTypes.Minted, At = now };
        db.Cases.Add(@case);
        db.LucidItems.AddRange(units);
        db.ItemEvents.Add(minted);
        WebhookOutbox.Add(db, minted);
        await db.SaveChangesAsync(ct);
        // The event lists every unit of the new case: one statement, however many.
        await db.Database.ExecuteSqlAsync($"INSERT INTO item_event_units (event_id, item_id) SELECT {minted.Id}, id FROM lucid_items WHERE case_id = {@case.Id}", ct);
        return new CaseResponse(@case.Id, parts.Select(p => new CasePart(p.PackagedProductId, Sorted(p.Items))).ToList());
    }

    private static async Task<IResult> Get(string uuid, LucidCaller caller, AppDb db, CancellationToken ct)
    {
        if (!ShortUuid.TryDecode(uuid, out var id)) return Drf.NotFound();
        if (!await db.Cases.AnyAsync(c => c.Id == id && caller.BrandIds.Contains(c.BrandId), ct)) return Drf.NotFound();
        var items = await db.LucidItems.AsNoTracking().Where(i => i.CaseId == id)
            .Select(i => new { i.PackagedProductId, i.Id }).ToListAsync(ct);
        var imports = await db.InventoryPackages.AsNoTracking().Where(p => p.CaseId == id)
            .Join(db.PosPackageUids, p => p.PosPackageUidId, u => u.Id, (p, u) => new { p.PackagedProductId, p.DispensaryId, u.PackageUid })
            .ToDictionaryAsync(x => x.PackagedProductId, x => new CaseImport(x.DispensaryId, x.PackageUid), ct);
        var contents = items.GroupBy(i => i.PackagedProductId)
            .Select(g => new CaseDetailPart(g.Key, Sorted(g.Select(i => i.Id)), imports.GetValueOrDefault(g.Key)))
            .OrderBy(p => ShortUuid.Encode(p.PackagedProductUuid), StringComparer.Ordinal)
            .ToList();
        return Drf.Ok(new CaseDetail(id, contents));
    }

    /// <summary>ShortUUIDs in their natural (ordinal = UUID value) order, so mint and detail list a part identically.</summary>
    private static List<string> Sorted(IEnumerable<Guid> ids) => ids.Select(ShortUuid.Encode).Order(StringComparer.Ordinal).ToList();

    private sealed record Content(Guid PackagedProductId, int Quantity);

    /// <summary>
    /// <c>contents</c> as DRF's nested list serializer validates it: list-level errors under
    /// <c>non_field_errors</c>, item errors as a list of per-item dicts, then the case-level rules.
    /// </summary>
    private static (List<Content>? Contents, IResult? Error) ReadContents(JsonObject body)
    {
        if (!body.TryGetPropertyValue("contents", out var node)) return (null, ContentsError(Drf.RequiredMessage));
        if (node is null) return (null, ContentsError(DrfForm.NullMessage));
        if (node is not JsonArray array) return (null, ListError(Drf.NotAListMessage(node)));
        if (array.Count == 0) return (null, ListError(EmptyListMessage));

        var contents = new List<Content>(array.Count);
        var itemErrors = new List<Dictionary<string, object>>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonObject obj)
            {
                itemErrors.Add(new() { ["non_field_errors"] = new[] { Drf.NotAnObjectMessage(item) } });
                continue;
            }
            var form = new DrfForm(obj);
            var packagedProductId = form.ShortUuid("packaged_product_uuid");
            var quantity = Quantity(form, "quantity");
            itemErrors.Add(new(form.ErrorMap));
            if (form.IsValid) contents.Add(new Content(packagedProductId!.Value, quantity!.Value));
        }
        if (itemErrors.Any(e => e.Count > 0)) return (null, ContentsErrors(itemErrors));
        if (contents.DistinctBy(c => c.PackagedProductId).Count() < contents.Count) return (null, ContentsError(DuplicateMessage));
        if (contents.Sum(c => (long)c.Quantity) > MaxUnits) return (null, ContentsError(TooManyMessage));
        return (contents, null);
    }

    /// <summary>DRF IntegerField(min_value=1, max_value=10000): integral numbers, or strings of them.</summary>
    private static int? Quantity(DrfForm form, string field)
    {
        if (!form.Body.TryGetPropertyValue(field, out var node)) { form.AddError(field, Drf.RequiredMessage); return null; }
        if (node is null) { form.AddError(field, DrfForm.NullMessage); return null; }
        BigInteger value;
        switch (node.GetValueKind())
        {
            case JsonValueKind.Number when node.AsValue().TryGetValue<decimal>(out var number) && number == decimal.Truncate(number):
                value = new BigInteger(number);
                break;
            case JsonValueKind.String when BigInteger.TryParse(TrailingZeroFraction().Replace(node.GetValue<string>(), ""),
                NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var parsed):
                value = parsed;
                break;
            default:
                form.AddError(field, IntegerMessage);
                return null;
        }
        if (value < 1) { form.AddError(field, "Ensure this value is greater than or equal to 1."); return null; }
        if (value > MaxUnits) { form.AddError(field, $"Ensure this value is less than or equal to {MaxUnits}."); return null; }
        return (int)value;
    }

    // DRF strips a trailing ".0…" before int(): "5.0" is 5.
    [GeneratedRegex(@"\.0*\s*$")]
    private static partial Regex TrailingZeroFraction();

    private static IResult ContentsError(string message) => Drf.FieldErrors(new Dictionary<string, object> { ["contents"] = new[] { message } });

    private static IResult ListError(string message) =>
        Drf.FieldErrors(new Dictionary<string, object> { ["contents"] = new Dictionary<string, object> { ["non_field_errors"] = new[] { message } } });

    private static IResult ContentsErrors(List<Dictionary<string, object>> itemErrors) =>
        Drf.FieldErrors(new Dictionary<string, object> { ["contents"] = itemErrors });
}
