using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>
/// What every field of every request obeys before any handler sees it: no text longer than its ceiling, no list longer
/// than its ceiling, no NUL or other C0 control character but tab and line breaks, no impossible time. Each service's
/// own rules come after and are stricter; these make sure no value is ever too big to check, store or report.
/// </summary>
public static class InputRules
{
    public const int MaxText = 1_000;
    public const int MaxItems = 1_000;
    private const int MaxDepth = 16;

    /// <summary>Fields allowed more than <see cref="MaxText"/> characters.</summary>
    private static readonly Dictionary<string, int> LongTexts = new(StringComparer.Ordinal)
    {
        ["liaison.relay.v1.SendMessageRequest.body"] = 8_000,
        ["liaison.relay.v1.ForwardRequest.note"] = 2_000,
    };

    /// <summary>Lists allowed more than <see cref="MaxItems"/> items.</summary>
    private static readonly Dictionary<string, int> LongLists = new(StringComparer.Ordinal)
    {
        ["liaison.identity.v1.FindAccountsRequest.account_ids"] = 10_000,
    };

    // The range google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    private const long MinSeconds = -62_135_596_800;
    private const long MaxSeconds = 253_402_300_799;

    public static FieldViolations Check(IMessage message)
    {
        var violations = new FieldViolations();
        Walk(message, string.Empty, 0, violations);
        return violations;
    }

    public static bool IsValid(Timestamp time) => time.Seconds is >= MinSeconds and <= MaxSeconds && time.Nanos is >= 0 and <= 999_999_999;

    /// <summary>The position of the first character that free text may not hold, or -1.</summary>
    public static int ForbiddenCharacter(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] < ' ' && text[i] is not ('\t' or '\n' or '\r'))
            {
                return i;
            }
        }

        return -1;
    }

    private static void Walk(IMessage message, string path, int depth, FieldViolations violations)
    {
        if (depth > MaxDepth)
        {
            violations.Add(path, $"Nested more than {MaxDepth} levels deep.");
            return;
        }

        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var name = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var map = (IDictionary)value;
                violations.Require(map.Count <= MaxItems, name, $"At most {MaxItems} entries; it has {map.Count}.");
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (IList)value;
                var max = LongLists.GetValueOrDefault(field.FullName, MaxItems);
                if (list.Count > max)
                {
                    violations.Add(name, $"At most {max} items; it has {list.Count}.");
                    continue;
                }

                for (var i = 0; i < list.Count; i++)
                {
                    CheckValue(field, list[i], $"{name}[{i}]", depth, violations);
                }

                continue;
            }

            CheckValue(field, value, name, depth, violations);
        }
    }

    private static void CheckValue(FieldDescriptor field, object? value, string name, int depth, FieldViolations violations)
    {
        switch (value)
        {
            case string text:
                var max = LongTexts.GetValueOrDefault(field.FullName, MaxText);
                if (text.Length > max)
                {
                    violations.Add(name, $"At most {max} characters; it has {text.Length}.");
                }
                else if (ForbiddenCharacter(text) is var at and >= 0)
                {
                    violations.Add(name, $"Holds a control character (U+{(int)text[at]:X4}) at position {at}; only tab and line breaks are allowed.");
                }

                break;
            case Timestamp time:
                violations.Require(IsValid(time), name, "Not a valid time: seconds within years 1 to 9999, nanos 0 to 999,999,999.");
                break;
            case IMessage nested:
                Walk(nested, name, depth + 1, violations);
                break;
        }
    }
}
