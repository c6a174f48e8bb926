using Google.Rpc;
using Grpc.Core;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>
/// Collects every bad field of a request, then fails the call once with InvalidArgument listing them. However bad the
/// request, the error stays small: at most <see cref="MaxListed"/> violations, each field name and description cut to a
/// bound, so that the status always fits in the response trailers.
/// </summary>
public sealed class FieldViolations
{
    public const int MaxListed = 50;
    private const int MaxFieldName = 120;
    private const int MaxDescription = 300;
    private readonly List<BadRequest.Types.FieldViolation> _violations = [];
    private int _unlisted;

    public bool Any => _violations.Count > 0;

    public IReadOnlyList<BadRequest.Types.FieldViolation> Items => _violations;

    public FieldViolations Add(string field, string description)
    {
        if (_violations.Count == MaxListed)
        {
            _unlisted++;
            return this;
        }

        _violations.Add(new BadRequest.Types.FieldViolation { Field = Cut(field, MaxFieldName), Description = Cut(description, MaxDescription) });
        return this;
    }

    /// <summary>Adds a violation when <paramref name="condition"/> is false.</summary>
    public FieldViolations Require(bool condition, string field, string description) =>
        condition ? this : Add(field, description);

    public void ThrowIfAny()
    {
        if (Any)
        {
            throw ToException();
        }
    }

    public RpcException ToException()
    {
        var summary = string.Join("; ", _violations.Take(5).Select(v => $"{v.Field}: {v.Description}"));
        var more = _violations.Count + _unlisted - Math.Min(5, _violations.Count);
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = more > 0 ? $"The request is invalid. {summary}; and {more} more." : $"The request is invalid. {summary}",
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new BadRequest { FieldViolations = { _violations } }) },
        };
        return status.ToRpcException();
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
