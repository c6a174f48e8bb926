using System.Globalization;
using System.Text;
using Grpc.Core;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>The precise failures a LiaisonNet RPC reports.</summary>
public static class RpcErrors
{
    /// <summary>How much of a caller's value an error message may quote.</summary>
    public const int QuotedPrefix = 40;

    public static RpcException NotFound(string what) => new(new Status(StatusCode.NotFound, what));

    public static RpcException PermissionDenied(string why) => new(new Status(StatusCode.PermissionDenied, why));

    public static RpcException Unauthenticated(string why) => new(new Status(StatusCode.Unauthenticated, why));

    public static RpcException AlreadyExists(string what) => new(new Status(StatusCode.AlreadyExists, what));

    public static RpcException FailedPrecondition(string why) => new(new Status(StatusCode.FailedPrecondition, why));

    public static RpcException InvalidArgument(string field, string description) =>
        new FieldViolations().Add(field, description).ToException();

    /// <summary>
    /// A caller's value as an error message may show it: quoted, at most <see cref="QuotedPrefix"/> characters, control
    /// characters, quotes and backslashes escaped, an ellipsis when cut.
    /// </summary>
    public static string Quote(string? value)
    {
        value ??= string.Empty;
        var text = new StringBuilder("'");
        var shown = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (shown++ == QuotedPrefix)
            {
                text.Append('…');
                break;
            }

            if (Rune.IsControl(rune) || rune.Value is '\'' or '\\' || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
            }
            else
            {
                text.Append(rune.ToString());
            }
        }

        return text.Append('\'').ToString();
    }
}
