using System.Security.Claims;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;

namespace LiaisonNet.Relay.Recipients;

/// <summary>The relay's side of the subject binding: the caller's token must name the agency and country of their directory entry.</summary>
public sealed class DirectorySubjects(RecipientResolver directory) : ISubjectBinding
{
    public async Task<SubjectMismatch?> MismatchAsync(ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        if (caller.IsServiceClient() && !caller.HasRole(LiaisonRoles.Sender))
        {
            return null;
        }

        // If the directory cannot answer, the look-up fails the call: no decision is made without it.
        var subject = caller.SubjectId();
        if (caller.IsServiceClient())
        {
            return await directory.SenderAsync(subject, cancellationToken) is { } sender
                ? ISubjectBinding.Compare(caller, subject, sender.Agency, sender.Country)
                : ISubjectBinding.NoSenderEntry(caller, subject);
        }

        return await directory.HomeOfAsync(subject, cancellationToken) is { } home
            ? ISubjectBinding.Compare(caller, subject, home.Agency, home.Country)
            : null;
    }
}
