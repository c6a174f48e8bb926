using System.Net;
using System.Text.RegularExpressions;

namespace LiaisonNet.TestKit;

/// <summary>One page as a browser got it: where it ended up, its status and its HTML.</summary>
public sealed record BrowserPage(Uri Url, HttpStatusCode Status, string Html)
{
    /// <summary>The decoded value of the first input named <paramref name="name"/>.</summary>
    public string Field(string name)
    {
        var match = Regex.Match(Html, $"name=\"{Regex.Escape(name)}\"[^>]*value=\"([^\"]*)\"");
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException($"{Url} has no field {name}: {Html[..Math.Min(Html.Length, 800)]}");
    }

    /// <summary>The text of the element carrying the attribute <paramref name="attribute"/> (for example data-authenticator-key).</summary>
    public IReadOnlyList<string> Marked(string attribute) =>
        [.. Regex.Matches(Html, $"<[a-z0-9]+ {Regex.Escape(attribute)}(?:=\"[^\"]*\")?>([^<]*)<").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];

    public string? Error => Regex.Match(Html, "class=\"error\"[^>]*>([^<]*)<") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;
}

/// <summary>
/// A cookie-keeping HTTP client that follows redirects itself and fills in the identity server's forms, as a person
/// with a browser would (antiforgery token included).
/// </summary>
public sealed class FormBrowser : IDisposable
{
    private readonly HttpClient _http;

    public FormBrowser(string? acceptLanguage = null)
    {
        _http = new HttpClient(TestTrust.Handler(Cookies, followRedirects: false));
        if (acceptLanguage is not null)
        {
            _http.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);
        }
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http => _http;

    /// <summary>Gets <paramref name="url"/>, following redirects until a page, or until a redirect target satisfies <paramref name="stopAt"/> (returned with no HTML).</summary>
    public async Task<BrowserPage> GetAsync(Uri url, Func<Uri, bool>? stopAt = null)
    {
        using var response = await _http.GetAsync(url);
        return await FollowAsync(url, response, stopAt);
    }

    /// <summary>Submits the form of <paramref name="page"/> that posts to <paramref name="action"/>, with its antiforgery token and <paramref name="fields"/>.</summary>
    public async Task<BrowserPage> SubmitAsync(BrowserPage page, string action, IReadOnlyDictionary<string, string> fields, Func<Uri, bool>? stopAt = null)
    {
        var form = new Dictionary<string, string>(fields);
        if (page.Html.Contains("__RequestVerificationToken", StringComparison.Ordinal))
        {
            form["__RequestVerificationToken"] = page.Field("__RequestVerificationToken");
        }

        if (page.Html.Contains("name=\"returnUrl\"", StringComparison.Ordinal) && !form.ContainsKey("returnUrl"))
        {
            form["returnUrl"] = page.Field("returnUrl");
        }

        var target = new Uri(page.Url, action);
        using var response = await _http.PostAsync(target, new FormUrlEncodedContent(form));
        return await FollowAsync(target, response, stopAt);
    }

    /// <summary>Signs in at the sign-in page <paramref name="page"/> shows.</summary>
    public Task<BrowserPage> SignInAsync(BrowserPage page, string userName, string password, Func<Uri, bool>? stopAt = null) =>
        SubmitAsync(page, "/account/login", new Dictionary<string, string> { ["userName"] = userName, ["password"] = password }, stopAt);

    private async Task<BrowserPage> FollowAsync(Uri url, HttpResponseMessage response, Func<Uri, bool>? stopAt)
    {
        for (var hops = 0; hops < 20; hops++)
        {
            if (response.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect))
            {
                return new BrowserPage(url, response.StatusCode, await response.Content.ReadAsStringAsync());
            }

            url = new Uri(url, response.Headers.Location!);
            response.Dispose();
            if (stopAt?.Invoke(url) == true)
            {
                return new BrowserPage(url, HttpStatusCode.Redirect, string.Empty);
            }

            response = await _http.GetAsync(url);
        }

        throw new InvalidOperationException("Too many redirects.");
    }

    public void Dispose() => _http.Dispose();
}
