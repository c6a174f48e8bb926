using System.Security.Claims;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Security;
using OpenIddict.Abstractions;

namespace LiaisonNet.Relay.Recipients;

/// <summary>
/// Who may act for a desk: an account its agency's administrator assigned to the desk (the token's desk claims), an
/// officer on the desk's roster, or its supervisor.
/// </summary>
public sealed class DeskStaff(RecipientResolver directory)
{
    /// <summary>Fails unless <paramref name="caller"/> staffs <paramref name="deskId"/>: NotFound for no such desk, PermissionDenied otherwise.</summary>
    public async Task EnsureAsync(ClaimsPrincipal caller, string deskId, CancellationToken cancellationToken)
    {
        var desk = await directory.DeskAsync(deskId, cancellationToken) ?? throw RpcErrors.NotFound($"No desk {RpcErrors.Quote(deskId)} in the directory.");
        var subject = caller.SubjectId();
        var staffs = caller.GetClaims(LiaisonClaims.Desk).Contains(deskId, StringComparer.Ordinal)
            || desk.Supervisor == subject
            || desk.Roster.Any(shift => shift.Primary == subject || shift.Backup == subject);
        if (!staffs)
        {
            throw RpcErrors.PermissionDenied($"You do not staff desk {RpcErrors.Quote(deskId)}: only accounts assigned to it and the officers on its roster act for it.");
        }
    }
}
