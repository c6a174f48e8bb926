using Microsoft.Net.Http.Headers;

namespace LiaisonNet.Gateway.Api;

/// <summary>
/// The API reads JSON in UTF-8 only: a request body of another media type, or with a charset other than UTF-8, is
/// refused with ProblemDetails (400) before anything tries to read it.
/// </summary>
public static class JsonBodyGuard
{
    public static IApplicationBuilder UseJsonBodyGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
            || (request.ContentLength is 0 or null && request.ContentType is null))
        {
            await next();
            return;
        }

        if (Refusal(request.ContentType) is { } refusal)
        {
            await Results.Problem(refusal, statusCode: StatusCodes.Status400BadRequest, title: "Unsupported request body.").ExecuteAsync(context);
            return;
        }

        await next();
    });

    private static string? Refusal(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return "Send the body as Content-Type: application/json.";
        }

        if (!media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) && !media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            return "Send the body as Content-Type: application/json.";
        }

        return media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !media.Charset.Equals("\"utf-8\"", StringComparison.OrdinalIgnoreCase)
            ? "The body must be UTF-8 (charset=utf-8, or no charset)."
            : null;
    }
}
