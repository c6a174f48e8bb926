using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace LiaisonNet.ServiceDefaults.Access;

/// <summary>A call refused for want of permission: who, what, why, and the agency whose entry the caller claimed, if any.</summary>
public sealed record AccessRefusal(ClaimsPrincipal Caller, string Method, string Reason, string? ClaimedAgency = null)
{
    public const string Action = "access.refused";

    /// <summary>
    /// The trail's record of the refusal: the method as its object, the reason as its content hash, and the agencies
    /// of the caller and of any entry the caller claimed, whose auditors see it.
    /// </summary>
    public AuditEvent ToAuditEvent(string source, DateTimeOffset at)
    {
        var actor = Caller.Identity?.IsAuthenticated == true ? Caller.GetClaim(OpenIddictConstants.Claims.Subject) ?? "unknown" : "anonymous";
        var e = new AuditEvent
        {
            EventId = Guid.CreateVersion7().ToString(),
            OccurredAt = Timestamp.FromDateTimeOffset(at),
            Actor = actor.Length <= 200 ? actor : actor[..200],
            Action = Action,
            ObjectType = "rpc",
            ObjectId = Method.Length <= 200 ? Method : Method[..200],
            Source = source,
            ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes(Reason))),
        };
        e.Agencies.AddRange(new[] { Caller.Agency(), ClaimedAgency }.OfType<string>().Where(a => a.Length is > 0 and <= 50).Distinct(StringComparer.Ordinal));
        return e;
    }
}

/// <summary>Where a service records refused calls.</summary>
public interface IAccessRefusals
{
    Task RecordAsync(AccessRefusal refusal, CancellationToken cancellationToken);
}

/// <summary>Why a token and the directory disagree about who its subject is.</summary>
public sealed record SubjectMismatch(string Reason, string EntryAgency);

/// <summary>
/// Defence in depth against a token that claims one agency for another agency's directory entry: the mismatch between the
/// caller's token and their directory entry, or null when they agree (or the subject has no entry).
/// </summary>
public interface ISubjectBinding
{
    Task<SubjectMismatch?> MismatchAsync(ClaimsPrincipal caller, CancellationToken cancellationToken);

    /// <summary>A client registered as a sender speaks only under a sender entry of the directory.</summary>
    public static SubjectMismatch NoSenderEntry(ClaimsPrincipal caller, string clientId) =>
        new($"The client {Grpc.RpcErrors.Quote(clientId)} is registered as a sender of {caller.Agency()}, but the directory has no sender entry for it.", caller.Agency() ?? string.Empty);

    /// <summary>The shared rule: the token's country and agency are those of the entry.</summary>
    public static SubjectMismatch? Compare(ClaimsPrincipal caller, string entryId, string entryAgency, string entryCountry) =>
        caller.Agency() == entryAgency && caller.Country() == entryCountry
            ? null
            : new SubjectMismatch($"Your account is of {caller.Agency() ?? "no agency"}, but directory entry {Grpc.RpcErrors.Quote(entryId)} is of {entryAgency}; the call is refused.", entryAgency);
}

public static class AccessRefusalExtensions
{
    /// <summary>Records every refused call of this service in the audit trail through <paramref name="record"/> (its outbox).</summary>
    public static IServiceCollection AddRefusalTrail(this IServiceCollection services, string source, Func<IServiceProvider, AuditEvent, CancellationToken, Task> record) =>
        services.AddScoped<IAccessRefusals>(sp => new RefusalTrail(sp, source, record));

    private sealed class RefusalTrail(IServiceProvider services, string source, Func<IServiceProvider, AuditEvent, CancellationToken, Task> record) : IAccessRefusals
    {
        public Task RecordAsync(AccessRefusal refusal, CancellationToken cancellationToken) =>
            record(services, refusal.ToAuditEvent(source, services.GetRequiredService<TimeProvider>().GetUtcNow()), cancellationToken);
    }
}
