using System.Security.Claims;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;

namespace LiaisonNet.Directory.Search;

/// <summary>The directory's side of the subject binding: the caller's token must name the agency and country of their entry.</summary>
public sealed class IndexSubjects(DirectoryIndex index) : ISubjectBinding
{
    public Task<SubjectMismatch?> MismatchAsync(ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        if (caller.IsServiceClient() && !caller.HasRole(LiaisonRoles.Sender))
        {
            return Task.FromResult<SubjectMismatch?>(null);
        }

        var subject = caller.SubjectId();
        if (caller.IsServiceClient())
        {
            return Task.FromResult(index.FindSender(subject) is { } sender
                ? ISubjectBinding.Compare(caller, subject, sender.Agency, sender.Country)
                : ISubjectBinding.NoSenderEntry(caller, subject));
        }

        return Task.FromResult(index.Find(subject) is { } entry ? ISubjectBinding.Compare(caller, subject, entry.Agency, entry.Country) : null);
    }
}
