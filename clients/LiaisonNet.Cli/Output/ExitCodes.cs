using Grpc.Core;

namespace LiaisonNet.Cli.Output;

/// <summary>What the tool's exit code says, one per kind of failure (listed by <c>liaison --help</c> and in the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command line itself is wrong (an unknown option, a missing argument).</summary>
    public const int Usage = 1;

    /// <summary>Not signed in, or the sign-in has expired: run <c>liaison login</c>.</summary>
    public const int NotSignedIn = 2;

    /// <summary>Signed in, but not allowed to do this.</summary>
    public const int Refused = 3;

    /// <summary>What was named does not exist (or is not visible to this account).</summary>
    public const int NotFound = 4;

    /// <summary>The server refused a value; the message names the field.</summary>
    public const int Invalid = 5;

    /// <summary>The system cannot be reached, or did not answer in time.</summary>
    public const int Unavailable = 6;

    /// <summary>Too many requests: try again later.</summary>
    public const int RateLimited = 7;

    /// <summary>A conflict with the stored state (an edit against an older version, an id reused with other content).</summary>
    public const int Conflict = 8;

    /// <summary>The command started but failed otherwise.</summary>
    public const int Failed = 9;

    /// <summary>A verification failed: the bundle or the log is not what its signature and proofs say.</summary>
    public const int NotVerified = 10;

    public static string Table => """
        Exit codes: 0 done; 1 wrong command line; 2 not signed in (liaison login); 3 not allowed; 4 not found;
        5 a value refused (the message names the field); 6 the system cannot be reached; 7 too many requests;
        8 conflict with the stored state; 9 other failure; 10 verification failed (audit verify, consistency).
        """;

    public static int Of(StatusCode status) => status switch
    {
        StatusCode.Unauthenticated => NotSignedIn,
        StatusCode.PermissionDenied => Refused,
        StatusCode.NotFound => NotFound,
        StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition => Invalid,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => Unavailable,
        StatusCode.ResourceExhausted => RateLimited,
        StatusCode.AlreadyExists or StatusCode.Aborted => Conflict,
        _ => Failed,
    };
}
