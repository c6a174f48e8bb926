using LiaisonNet.Protos.Relay.V1;

namespace LiaisonNet.Cli.Commands;

/// <summary>The users' codes as typed and shown: FLASH, H2, B2, WILCO.</summary>
public static class MessageCodes
{
    public static Precedence Precedence(string? text) => text is null ? Protos.Relay.V1.Precedence.Routine
        : Parse<Precedence>(text, "--precedence", "routine, priority, immediate or flash");

    public static HandlingCode Handling(string? text) => text is null ? HandlingCode.Unspecified : Parse<HandlingCode>(text, "--handling", "H0, H1, H2 or H3");

    public static ReplyCode Reply(string text) => Parse<ReplyCode>(text, "code", "WILCO, HAVCO or CANTCO");

    /// <summary>A 6×6 evaluation such as B2: the source's reliability (A–F) and the information's assessment (1–6).</summary>
    public static Evaluation? Evaluation(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var code = text.Trim().ToUpperInvariant();
        if (code.Length != 2 || code[0] is < 'A' or > 'F' || code[1] is < '1' or > '6')
        {
            throw new UsageException($"--evaluation: '{text}' is not an evaluation; give the source's reliability A to F and the information's assessment 1 to 6, as in B2.");
        }

        return new Evaluation { SourceReliability = code[..1], InformationAssessment = code[1..] };
    }

    public static string Name(Precedence precedence) => precedence == Protos.Relay.V1.Precedence.Unspecified ? string.Empty : precedence.ToString().ToUpperInvariant();

    public static string Name(HandlingCode code) => code == HandlingCode.Unspecified ? string.Empty : code.ToString().ToUpperInvariant();

    public static string Name(ReplyCode code) => code == ReplyCode.Unspecified ? string.Empty : code.ToString().ToUpperInvariant();

    public static string Name(Evaluation? evaluation) => evaluation is null ? string.Empty : evaluation.SourceReliability + evaluation.InformationAssessment;

    public static string Name(RecipientRole role) => role switch { RecipientRole.Action => "action", RecipientRole.Information => "info", _ => string.Empty };

    public static string Name(PermissionStatus status) => status == PermissionStatus.Unspecified ? string.Empty : status.ToString().ToLowerInvariant();

    private static T Parse<T>(string text, string option, string allowed) where T : struct, Enum =>
        Enum.TryParse<T>(text.Trim(), ignoreCase: true, out var value) && !value.ToString().Equals("Unspecified", StringComparison.Ordinal) && Enum.IsDefined(value)
            && !int.TryParse(text, out _)
            ? value
            : throw new UsageException($"{option}: '{text}' is not one of {allowed}.");
}
