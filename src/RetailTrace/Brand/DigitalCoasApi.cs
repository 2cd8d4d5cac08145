using Microsoft.EntityFrameworkCore;
using RetailTrace.Auth;
using RetailTrace.Common;
using RetailTrace.Data;

namespace RetailTrace.BrandApi;

/// <summary>Extension: a brand's digital certificates of analysis, referenced by batches and packaged products.</summary>
public static class DigitalCoasApi
{
    public sealed record DigitalCoaRequest(string? BrandUuid, string? Name, string? LabName, DateOnly? TestedOn, string? DocumentUrl);

    public sealed record DigitalCoaResponse(Guid Uuid, Guid BrandUuid, string Name, string LabName, DateOnly? TestedOn, string DocumentUrl, DateTime UpdatedOn)
    {
        public static DigitalCoaResponse From(DigitalCoa c) => new(c.Id, c.BrandId, c.Name, c.LabName, c.TestedOn, c.DocumentUrl, c.UpdatedOn);
    }

    public const string InvalidUrl = "Enter a valid URL.";

    public static void MapDigitalCoas(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1.5/digital-coas").RequireAuthorization(LucidAuthHandler.BrandPolicy).WithTags("Extensions");
        group.MapGet("/", List).WithName("DigitalCoasList").WithPageParameter()
            .WithSummary("List the digital COAs of every accessible brand, newest updated_on first (100 per page)")
            .Produces<DrfPage<DigitalCoaResponse>>().ProducesDrf(401, 403, 404);
        group.MapPost("/create/", Create).WithName("DigitalCoasCreate")
            .WithSummary("Create a digital COA for brand_uuid, or for the client's default brand")
            .AcceptsJson<DigitalCoaRequest>()
            .Produces<DigitalCoaResponse>(201).ProducesFieldErrors().ProducesDrf(401, 403);
    }

    private static Task<IResult> List(HttpRequest request, LucidCaller caller, AppDb db, CancellationToken ct) =>
        DrfPagination.PageAsync(request,
            db.DigitalCoas.AsNoTracking().Where(c => caller.BrandIds.Contains(c.BrandId))
                .OrderByDescending(c => c.UpdatedOn).ThenByDescending(c => c.Id),
            DigitalCoaResponse.From, ct);

    private static async Task<IResult> Create(HttpRequest request, LucidCaller caller, AppDb db, TimeProvider time, CancellationToken ct)
    {
        var (body, error) = await Drf.ReadObjectAsync(request);
        if (error is not null) return error;
        var form = new DrfForm(body!);
        var brandId = BrandRules.OwningBrand(form, caller);
        var name = form.String("name");
        var labName = form.String("lab_name", required: false, allowBlank: true);
        var testedOn = form.Date("tested_on", required: false, allowNull: true);
        var documentUrl = form.String("document_url", required: false, allowBlank: true, maxLength: 2000);
        if (documentUrl is { Length: > 0 } && !(Uri.TryCreate(documentUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            form.AddError("document_url", InvalidUrl);
        if (form.Errors is { } errors) return errors;

        var coa = new DigitalCoa
        {
            Id = Guid.NewGuid(), BrandId = brandId!.Value, Name = name!, LabName = labName ?? "", TestedOn = testedOn,
            DocumentUrl = documentUrl ?? "", UpdatedOn = BrandRules.Now(time),
        };
        await db.InsertAsync(coa, ct);
        return Drf.Ok(DigitalCoaResponse.From(coa), StatusCodes.Status201Created);
    }
}
