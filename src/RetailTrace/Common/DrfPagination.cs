using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.EntityFrameworkCore;

namespace RetailTrace.Common;

/// <summary>A DRF PageNumberPagination page.</summary>
public sealed record DrfPage<T>(long Count, string? Next, string? Previous, IReadOnlyList<T> Results);

/// <summary>
/// DRF's PageNumberPagination: <c>?page=N</c> (or <c>last</c>), a fixed page size, absolute
/// <c>next</c>/<c>previous</c> links rebuilt from the request the way DRF's replace_query_param /
/// remove_query_param do (query decoded, keys sorted, re-encoded with quote_plus; <c>page</c>
/// dropped for page 1), and 404 <c>{"detail":"Invalid page."}</c> for anything out of range.
/// </summary>
public static class DrfPagination
{
    public const int PageSize = 100;
    public const string InvalidPage = "Invalid page.";

    /// <summary>
    /// One page of an ordered query with the query's row count, or the Invalid page 404. The count and the
    /// page are both read from <paramref name="ordered"/> (which must have a total order), so whatever it
    /// filters on holds on every page and in <c>count</c>. <paramref name="fetch"/>, when given, turns the
    /// page's query (offset and limit applied) into the query that reads its rows in list order: a deferred
    /// join that takes the page's keys from a covering index and reads only those rows, not every skipped one.
    /// </summary>
    public static async Task<IResult> PageAsync<TRow, T>(HttpRequest request, IQueryable<TRow> ordered, Func<TRow, T> map, CancellationToken ct,
        Func<IQueryable<TRow>, IQueryable<TRow>>? fetch = null)
    {
        var count = await ordered.LongCountAsync(ct);
        var pages = count == 0 ? 1 : (count + PageSize - 1) / PageSize;
        if (!TryPageNumber(request, pages, out var page)) return Drf.Detail(StatusCodes.Status404NotFound, InvalidPage);
        var rows = await PageRowsAsync(ordered, count, page, fetch, ct);
        var next = page < pages ? Link(request, page + 1) : null;
        var previous = page > 1 ? Link(request, page - 1) : null;
        return Drf.Ok(new DrfPage<T>(count, next, previous, rows.Select(map).ToList()));
    }

    /// <summary>
    /// The rows of one page, read from whichever end of the order is nearer: pages in the second half
    /// walk the reversed order and are reversed back, so the skipped rows are at most half the list and
    /// the last pages cost what the first ones do (an OFFSET deep into the list walks every row before it).
    /// </summary>
    private static async Task<List<TRow>> PageRowsAsync<TRow>(IQueryable<TRow> ordered, long count, long page,
        Func<IQueryable<TRow>, IQueryable<TRow>>? fetch, CancellationToken ct)
    {
        var skip = (page - 1) * PageSize;
        // Nothing to skip on the first page: the deferred join would only add a join.
        if (skip == 0) return await ordered.Take(PageSize).ToListAsync(ct);
        if (skip <= count / 2)
        {
            var forward = ordered.Skip((int)skip).Take(PageSize);
            return await (fetch is null ? forward : fetch(forward)).ToListAsync(ct);
        }
        var end = Math.Min(count, skip + PageSize);
        var backward = ordered.Reverse().Skip((int)(count - end)).Take((int)(end - skip));
        if (fetch is not null) return await fetch(backward).ToListAsync(ct);
        var fromEnd = await backward.ToListAsync(ct);
        fromEnd.Reverse();
        return fromEnd;
    }

    /// <summary>Documents the <c>page</c> query parameter that <see cref="PageAsync"/> reads. Its example is 1, the one page
    /// every list has: /docs fills "Try it out" with it.</summary>
    public static RouteHandlerBuilder WithPageParameter(this RouteHandlerBuilder builder) => builder.WithQueryParameter("page",
        $"The page to answer, from 1 (the default) or `last`; {PageSize} results a page. A page out of range answers 404 {{\"detail\":\"{InvalidPage}\"}}.",
        new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Pattern = "^([1-9][0-9]*|last)$" }, "1");

    // Django's Paginator.validate_number: int(value) (surrounding whitespace and a sign allowed), 1 ≤ n ≤ pages.
    private static bool TryPageNumber(HttpRequest request, long pages, out long page)
    {
        var values = request.Query["page"];
        page = 1;
        if (values.Count == 0) return true;
        var text = values[^1]!.Trim();
        if (text == "last") { page = pages; return true; }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out page) && page >= 1 && page <= pages;
    }

    private static string Link(HttpRequest request, long page)
    {
        var query = request.Query
            .Where(q => q.Key != "page")
            .Select(q => (q.Key, Values: q.Value.Select(v => v ?? "").ToArray()))
            .ToList();
        if (page > 1) query.Add(("page", [page.ToString(CultureInfo.InvariantCulture)]));
        var text = new StringBuilder();
        foreach (var (key, values) in query.OrderBy(q => q.Key, StringComparer.Ordinal))
            foreach (var value in values)
                text.Append(text.Length == 0 ? '?' : '&').Append(QuotePlus(key)).Append('=').Append(QuotePlus(value));
        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path) + text;
    }

    // Python's urllib.parse.quote_plus: only A-Z a-z 0-9 _ . - ~ stay literal, spaces become '+'.
    private static string QuotePlus(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);
}
