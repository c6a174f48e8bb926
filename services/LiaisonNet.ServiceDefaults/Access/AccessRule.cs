using System.Security.Claims;
using LiaisonNet.ServiceDefaults.Security;
using OpenIddict.Abstractions;

namespace LiaisonNet.ServiceDefaults.Access;

/// <summary>Kinds of caller an access rule can name besides the roles of a person.</summary>
public static class AccessCallers
{
    /// <summary>Any signed-in person, whatever their roles.</summary>
    public const string AnyPerson = "any-person";
    /// <summary>A LiaisonNet service or other client signed in by client credentials that speaks for no agency.</summary>
    public const string Service = "service";
    /// <summary>A client registered as an automated sender of one agency (it carries that agency and the "sender" role).</summary>
    public const string Sender = LiaisonRoles.Sender;
    /// <summary>No sign-in needed: the route serves sign-in itself, or health.</summary>
    public const string Anyone = "anyone";
}

/// <summary>
/// Who may call one RPC or route, declared where it is mapped: the scope the access token must carry (none for a route
/// of a cookie session or an anonymous one), the callers allowed (roles, <see cref="AccessCallers"/>), roles refused
/// whatever else the caller holds, and in words the object-level check the handler makes on top.
/// </summary>
public sealed record AccessRule(string? Scope, IReadOnlyList<string> Callers, string ObjectCheck)
{
    /// <summary>Roles refused even when the caller also holds an allowed one (auditors never send).</summary>
    public IReadOnlyList<string> Never { get; init; } = [];

    /// <summary>A call that needs a token with <paramref name="scope"/> from one of <paramref name="callers"/>.</summary>
    public static AccessRule Require(string scope, params string[] callers) => new(scope, callers, string.Empty);

    /// <summary>A route of a cookie session (no token scope) for <paramref name="callers"/>.</summary>
    public static AccessRule Session(params string[] callers) => new(null, callers, string.Empty);

    /// <summary>A route anyone may reach, with the reason it needs no sign-in.</summary>
    public static AccessRule Anonymous(string why) => new(null, [AccessCallers.Anyone], why);

    public AccessRule Except(params string[] roles) => this with { Never = roles };

    public AccessRule Checks(string objectCheck) => this with { ObjectCheck = objectCheck };

    public bool IsAnonymous => Callers.Contains(AccessCallers.Anyone);

    /// <summary>Null when <paramref name="caller"/> passes the scope and caller checks; otherwise why not, in words for the caller.</summary>
    public string? Refusal(ClaimsPrincipal caller)
    {
        if (IsAnonymous)
        {
            return null;
        }

        if (caller.Identity?.IsAuthenticated != true)
        {
            return "Sign in first.";
        }

        if (Scope is not null && !caller.HasScope(Scope))
        {
            return $"The access token lacks the '{Scope}' scope.";
        }

        if (Never.FirstOrDefault(caller.HasRole) is { } refused)
        {
            return $"The {refused} role may not do this.";
        }

        if (caller.IsServiceClient())
        {
            var allowed = (Callers.Contains(AccessCallers.Service) && caller.Agency() is null)
                || (Callers.Contains(AccessCallers.Sender) && caller.HasRole(LiaisonRoles.Sender) && caller.Agency() is { Length: > 0 });
            return allowed ? null : "Services may not do this.";
        }

        return Callers.Contains(AccessCallers.AnyPerson) || Callers.Any(caller.HasRole)
            ? null
            : $"This needs one of the roles {string.Join(", ", Callers.Where(c => c is not AccessCallers.Service and not AccessCallers.Sender))}.";
    }
}
