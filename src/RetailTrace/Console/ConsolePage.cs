using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using RetailTrace.Data;
using static RetailTrace.Admin.Admin;

namespace RetailTrace.OperatorConsole;

/// <summary>
/// What every console page shares: the request, the database, the clock, the operator, and the form conventions.
/// A page is rendered on the server for each request (static SSR); forms post back to it and are read from the
/// request's form fields, which carry the admin API's field names, so the shared rules' messages land on their fields.
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    public const int PageSize = 50;

    [CascadingParameter] public HttpContext Http { get; set; } = default!;
    [Inject] public AppDb Db { get; set; } = default!;
    [Inject] public TimeProvider Time { get; set; } = default!;
    [Inject] public NavigationManager Navigation { get; set; } = default!;

    /// <summary>
    /// Loads what the page shows, before its first render. A component's <c>OnInitializedAsync</c> renders once at its
    /// first await, with nothing loaded yet; on a database that answers asynchronously (PostgreSQL) that render would
    /// read empty fields, and its failure would leave the load running on the request's DbContext.
    /// </summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    public override async Task SetParametersAsync(ParameterView parameters)
    {
        parameters.SetParameterProperties(this);
        await PrepareAsync();
        await base.SetParametersAsync(ParameterView.Empty);
    }

    protected ConsoleOperator Who => ConsoleOperator.Of(Http);
    protected CancellationToken Ct => Http.RequestAborted;

    /// <summary>Field errors of the form just posted, by field name; empty when none was posted or it was accepted.</summary>
    protected IReadOnlyDictionary<string, string[]> FieldErrors { get; private set; } = new Dictionary<string, string[]>();

    /// <summary>True when the page's subject does not exist: the page says so, with status 404.</summary>
    protected bool Missing { get; private set; }

    /// <summary>A posted field: null when absent or blank, since an empty optional input means "not given".</summary>
    protected string? Field(string name) =>
        Http.Request.HasFormContentType && Http.Request.Form[name] is { Count: > 0 } values && values[^1] is { } value && value.Trim().Length > 0
            ? value : null;

    /// <summary>A checkbox posted after a hidden "false" of the same name: its last value wins.</summary>
    protected bool? Checkbox(string name) => Field(name) is { } v ? string.Equals(v, "true", StringComparison.OrdinalIgnoreCase) : null;

    /// <summary>The page's subject does not exist: status 404, whose page the console's error writer shows (the
    /// framework leaves a 404's body to the status pages), so the page itself renders nothing.</summary>
    protected void NotFound()
    {
        Missing = true;
        Http.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    /// <summary>Field name of messages about a whole form (its subject does not exist).</summary>
    public const string FormField = "form";

    /// <summary>Shows the refusal's messages beside their fields, or, when what the form acted on does not exist, a
    /// message on the form; with status 400 either way (the page itself exists).</summary>
    protected void Refused<T>(Provisioned<T> result) where T : class
    {
        if (result.Missing is not null) Refused(FormField, $"{result.Missing} not found.");
        else Refused(result.Invalid?.Fields ?? new Dictionary<string, string[]>());
    }

    /// <summary>As <see cref="Refused{T}(Provisioned{T})"/>, for a form whose name field is called <paramref name="nameField"/>
    /// (a page with two forms that take a name gives each its own field).</summary>
    protected void Refused<T>(Provisioned<T> result, string nameField) where T : class
    {
        if (result.Invalid is { } invalid) Refused(invalid.Fields.ToDictionary(e => e.Key == "name" ? nameField : e.Key, e => e.Value));
        else Refused(result);
    }

    protected void Refused(IReadOnlyDictionary<string, string[]> errors)
    {
        FieldErrors = errors;
        Http.Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    protected void Refused(string field, string message, int status = StatusCodes.Status400BadRequest)
    {
        FieldErrors = new Dictionary<string, string[]> { [field] = [message] };
        Http.Response.StatusCode = status;
    }

    protected void Redirect(string url) => Navigation.NavigateTo(url);

    /// <summary>One page of an ordered query (whose order an index serves, or a table the operator fills by hand), and whether more follow.</summary>
    protected async Task<(List<T> Rows, bool HasMore)> PageOfAsync<T>(IQueryable<T> ordered, int page)
    {
        var rows = await ordered.Skip((page - 1) * PageSize).Take(PageSize + 1).ToListAsync(Ct);
        var more = rows.Count > PageSize;
        if (more) rows.RemoveAt(PageSize);
        return (rows, more);
    }

    /// <summary>A page number from the query: 1 when absent or not a positive number.</summary>
    protected static int PageNumber(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page is > 0 and < 1_000_000 ? page : 1;
}
