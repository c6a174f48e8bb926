using System.Net;
using System.Text.RegularExpressions;

namespace LiaisonNet.TestKit;

/// <summary>Acts as a person at the identity server's sign-in page: reads the form, fills it in, follows the redirects.</summary>
public static partial class SignInPage
{
    /// <summary>
    /// Follows redirects from <paramref name="start"/> through the sign-in form until a redirect leaves for
    /// <paramref name="stopAt"/>; returns that final redirect target.
    /// </summary>
    public static async Task<Uri> CompleteAsync(HttpClient http, Uri start, string userName, string password, Func<Uri, bool> stopAt)
    {
        var next = start;
        for (var hops = 0; hops < 20; hops++)
        {
            using var response = await http.GetAsync(next);
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect)
            {
                next = new Uri(next, response.Headers.Location!);
                if (stopAt(next))
                {
                    return next;
                }

                continue;
            }

            var html = await response.Content.ReadAsStringAsync();
            if (!html.Contains("name=\"password\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Expected the sign-in form at {next}, got {(int)response.StatusCode}: {html[..Math.Min(html.Length, 500)]}");
            }

            var form = new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = Field(html, "__RequestVerificationToken"),
                ["returnUrl"] = WebUtility.HtmlDecode(Field(html, "returnUrl")),
                ["userName"] = userName,
                ["password"] = password,
            };
            using var posted = await http.PostAsync(new Uri(next, "/account/login"), new FormUrlEncodedContent(form));
            if (posted.StatusCode != HttpStatusCode.Redirect && posted.StatusCode != HttpStatusCode.Found)
            {
                var page = await posted.Content.ReadAsStringAsync();
                var error = ErrorPattern().Match(page);
                throw new InvalidOperationException($"Sign-in as {userName} failed: {(error.Success ? WebUtility.HtmlDecode(error.Groups[1].Value) : (int)posted.StatusCode)}");
            }

            next = new Uri(next, posted.Headers.Location!);
            if (stopAt(next))
            {
                return next;
            }
        }

        throw new InvalidOperationException("Too many redirects during sign-in.");
    }

    private static string Field(string html, string name)
    {
        var match = Regex.Match(html, $"name=\"{Regex.Escape(name)}\" value=\"([^\"]*)\"");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"The sign-in form has no {name} field.");
    }

    [GeneratedRegex("class=\"error\"[^>]*>([^<]*)<")]
    private static partial Regex ErrorPattern();
}
