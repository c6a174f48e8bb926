using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LiaisonNet.Identity.Accounts;
using LiaisonNet.Identity.AuditTrail;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.ServiceDefaults.Grpc;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace LiaisonNet.Identity.Admin;

/// <summary>
/// Account administration for agency administrators (their own agency's accounts only) and system administrators.
/// Every change is saved together with its audit event.
/// </summary>
public sealed partial class AccountAdminGrpcService(
    UserManager<LiaisonUser> users,
    IdentityDb db,
    IdentityAudit audit,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictApplicationManager applications,
    DirectoryEntries directory) : AccountAdminService.AccountAdminServiceBase
{
    /// <summary>Creations run one at a time: the checks that an id and a user name are free hold until the account is saved.</summary>
    private static readonly SemaphoreSlim Creating = new(1, 1);

    private const int MaxDesks = 20;
    private const int MaxPageSize = 200;

    /// <summary>The roles an administrator may grant; system-admin is provisioned outside the API.</summary>
    private static readonly string[] AssignableRoles = [LiaisonRoles.Officer, LiaisonRoles.DeskOperator, LiaisonRoles.Auditor, LiaisonRoles.AgencyAdmin];

    public override async Task<ListAccountsResponse> ListAccounts(ListAccountsRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        new FieldViolations()
            .Require(request.PageSize is >= 0 and <= MaxPageSize, "page_size", $"0 to {MaxPageSize}.")
            .Require(request.PageToken.Length <= 200, "page_token", "Pass the next_page_token of the previous page.")
            .ThrowIfAny();
        var after = DecodeToken(request.PageToken);
        var size = request.PageSize == 0 ? 50 : request.PageSize;
        var query = db.Users.AsNoTracking().Where(u => u.Agency == caller.Agency);
        if (after is not null)
        {
            query = query.Where(u => string.Compare(u.NormalizedUserName, after) > 0);
        }

        var page = await query.OrderBy(u => u.NormalizedUserName).Take(size + 1).ToListAsync(context.CancellationToken);
        var response = new ListAccountsResponse();
        foreach (var user in page.Take(size))
        {
            response.Accounts.Add(await ToAccountAsync(user));
        }

        if (page.Count > size)
        {
            response.NextPageToken = Convert.ToBase64String(Encoding.UTF8.GetBytes(page[size - 1].NormalizedUserName!));
        }

        return response;
    }

    public override async Task<Account> GetAccount(AccountRef request, ServerCallContext context) =>
        await ToAccountAsync(await TargetAsync(await CallerAsync(context), request.AccountId));

    public override async Task<CreateAccountResponse> CreateAccount(CreateAccountRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        var violations = new FieldViolations()
            .Require(UserNamePattern().IsMatch(request.UserName), "user_name", "3 to 64 characters: lower-case Latin letters, digits, '.', '-' and '_'.")
            .Require(request.DisplayName.Trim().Length is > 0 and <= 200, "display_name", "Required, at most 200 characters.")
            .Require(request.AccountId.Length == 0 || AccountIdPattern().IsMatch(request.AccountId), "account_id", "3 to 64 characters: lower-case Latin letters, digits and '-'; or empty to generate one.");
        CheckAccess(request.Roles, request.Desks, violations);
        violations.ThrowIfAny();

        var id = request.AccountId.Length > 0 ? request.AccountId : $"{caller.Agency.ToLowerInvariant()}-{request.UserName.Replace('.', '-').Replace('_', '-')}";
        await CheckSubjectAsync(caller, id, chosen: request.AccountId.Length > 0, context.CancellationToken);
        await CheckDesksAsync(caller, request.Desks, context.CancellationToken);
        await Creating.WaitAsync(context.CancellationToken);
        try
        {
            return await CreateAsync(caller, id, request);
        }
        catch (DbUpdateException)
        {
            // Another instance saved the same id or user name first: the unique keys of the store decide.
            throw RpcErrors.AlreadyExists($"An account with id {RpcErrors.Quote(id)} or user name {RpcErrors.Quote(request.UserName)} already exists.");
        }
        finally
        {
            Creating.Release();
        }
    }

    private async Task<CreateAccountResponse> CreateAsync(Caller caller, string id, CreateAccountRequest request)
    {
        if (await users.FindByIdAsync(id) is not null || await users.FindByNameAsync(request.UserName) is not null)
        {
            throw RpcErrors.AlreadyExists($"An account with id {RpcErrors.Quote(id)} or user name {RpcErrors.Quote(request.UserName)} already exists.");
        }

        var user = new LiaisonUser
        {
            Id = id,
            UserName = request.UserName,
            DisplayName = request.DisplayName.Trim(),
            Country = caller.Country,
            Agency = caller.Agency,
            Desks = string.Join(',', request.Desks.Distinct(StringComparer.Ordinal)),
            LockoutEnabled = true,
        };
        var password = InitialPassword();
        audit.Record("account.created", caller.Id, user, user.Id, user.Agency);
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRolesAsync(user, request.Roles.Distinct(StringComparer.Ordinal)));
        audit.Saved();
        return new CreateAccountResponse { Account = await ToAccountAsync(user), InitialPassword = password };
    }

    public override async Task<Account> DisableAccount(AccountRef request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        var user = await TargetAsync(caller, request.AccountId);
        if (user.Id == caller.Id)
        {
            throw RpcErrors.FailedPrecondition("You cannot disable your own account; ask another administrator.");
        }

        if (!user.IsDisabled)
        {
            user.IsDisabled = true;
            audit.Record("account.disabled", caller.Id, user, user.Id, user.Agency, caller.Agency);
            Check(await users.UpdateSecurityStampAsync(user));
            audit.Saved();
        }

        // Refresh tokens and authorization codes stop working now; access tokens expire within their lifetime.
        await tokens.RevokeBySubjectAsync(user.Id, context.CancellationToken);
        await authorizations.RevokeBySubjectAsync(user.Id, context.CancellationToken);
        return await ToAccountAsync(user);
    }

    public override async Task<Account> EnableAccount(AccountRef request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        var user = await TargetAsync(caller, request.AccountId);
        if (user.IsDisabled)
        {
            user.IsDisabled = false;
            audit.Record("account.enabled", caller.Id, user, user.Id, user.Agency, caller.Agency);
            Check(await users.UpdateAsync(user));
            audit.Saved();
        }

        return await ToAccountAsync(user);
    }

    public override async Task<Account> SetAccess(SetAccessRequest request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        var violations = new FieldViolations();
        CheckAccess(request.Roles, request.Desks, violations);
        violations.ThrowIfAny();
        var user = await TargetAsync(caller, request.AccountId);
        await CheckDesksAsync(caller, request.Desks, context.CancellationToken);
        var current = await users.GetRolesAsync(user);
        if (current.Contains(LiaisonRoles.SystemAdmin) && !caller.IsSystemAdmin)
        {
            throw RpcErrors.PermissionDenied("Only a system administrator can change a system administrator's access.");
        }

        if (user.Id == caller.Id && !request.Roles.Contains(LiaisonRoles.AgencyAdmin) && !caller.IsSystemAdmin)
        {
            throw RpcErrors.FailedPrecondition("You cannot remove your own administrator role; ask another administrator.");
        }

        var wanted = request.Roles.Distinct(StringComparer.Ordinal).ToList();
        if (current.Contains(LiaisonRoles.SystemAdmin))
        {
            wanted.Add(LiaisonRoles.SystemAdmin);
        }

        user.Desks = string.Join(',', request.Desks.Distinct(StringComparer.Ordinal));
        audit.Record("account.access_changed", caller.Id, user, user.Id, user.Agency, caller.Agency);
        Check(await users.UpdateAsync(user));
        Check(await users.RemoveFromRolesAsync(user, current.Except(wanted)));
        Check(await users.AddToRolesAsync(user, wanted.Except(current)));
        // Tokens already issued carry the old roles until they expire; refreshed ones carry the new.
        Check(await users.UpdateSecurityStampAsync(user));
        audit.Saved();
        return await ToAccountAsync(user);
    }

    public override async Task<Account> ResetSecondFactor(AccountRef request, ServerCallContext context)
    {
        var caller = await CallerAsync(context);
        var user = await TargetAsync(caller, request.AccountId);
        audit.Record("account.second_factor.reset", caller.Id, user, user.Id, user.Agency, caller.Agency);
        Check(await users.SetTwoFactorEnabledAsync(user, false));
        Check(await users.ResetAuthenticatorKeyAsync(user));
        // No codes left: the old recovery codes stop working with the old authenticator.
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
        audit.Saved();
        return await ToAccountAsync(user);
    }

    private async Task<Caller> CallerAsync(ServerCallContext context)
    {
        var principal = context.GetHttpContext().User;
        if (principal.IsServiceClient())
        {
            throw RpcErrors.PermissionDenied("Account administration is for administrators, not services.");
        }

        var isSystemAdmin = principal.HasRole(LiaisonRoles.SystemAdmin);
        if (!isSystemAdmin && !principal.HasRole(LiaisonRoles.AgencyAdmin))
        {
            throw RpcErrors.PermissionDenied("Only agency and system administrators administer accounts.");
        }

        // The token may outlive a change: the administrator's own account must still be active now.
        var self = await users.FindByIdAsync(principal.SubjectId());
        if (self is null || self.IsDisabled)
        {
            throw RpcErrors.PermissionDenied("Your account is disabled.");
        }

        return new Caller(self.Id, self.Agency, self.Country, isSystemAdmin);
    }

    private async Task<LiaisonUser> TargetAsync(Caller caller, string accountId)
    {
        new FieldViolations().Require(accountId.Length is > 0 and <= 64, "account_id", "Required, at most 64 characters.").ThrowIfAny();
        // Another agency's account answers exactly as a missing one: an administrator learns nothing of other agencies' accounts.
        var user = await users.FindByIdAsync(accountId);
        return user is not null && (user.Agency == caller.Agency || caller.IsSystemAdmin)
            ? user
            : throw RpcErrors.NotFound($"No account {RpcErrors.Quote(accountId)} in {caller.Agency}.");
    }

    /// <summary>
    /// An account signs in as a directory entry of its own agency, or as an id generated in it that is nobody else's:
    /// never as another agency's officer, and never as a registered client.
    /// </summary>
    private async Task CheckSubjectAsync(Caller caller, string id, bool chosen, CancellationToken cancellationToken)
    {
        var owner = await directory.OfficerAgencyAsync(id, cancellationToken);
        if (chosen && owner != caller.Agency)
        {
            throw RpcErrors.InvalidArgument("account_id", $"Must be the id of a directory entry of {caller.Agency}; leave it empty to generate one.");
        }

        if (owner is not null && owner != caller.Agency)
        {
            throw RpcErrors.InvalidArgument("user_name", $"The id it gives, {RpcErrors.Quote(id)}, is another agency's directory entry; choose another user name.");
        }

        if (await applications.FindByClientIdAsync(id, cancellationToken) is not null)
        {
            throw RpcErrors.InvalidArgument(chosen ? "account_id" : "user_name", $"{RpcErrors.Quote(id)} is the id of a registered client; choose another.");
        }
    }

    /// <summary>Desks an account staffs are existing desks of the administrator's own agency.</summary>
    private async Task CheckDesksAsync(Caller caller, IList<string> desks, CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        for (var i = 0; i < desks.Count; i++)
        {
            var owner = await directory.DeskAgencyAsync(desks[i], cancellationToken);
            violations.Require(owner == caller.Agency, $"desks[{i}]", $"Not a desk of {caller.Agency} in the directory.");
        }

        violations.ThrowIfAny();
    }

    private static void CheckAccess(IList<string> roles, IList<string> desks, FieldViolations violations)
    {
        violations.Require(roles.Count > 0, "roles", "Name at least one role.");
        for (var i = 0; i < roles.Count; i++)
        {
            violations.Require(AssignableRoles.Contains(roles[i], StringComparer.Ordinal), $"roles[{i}]",
                $"One of {string.Join(", ", AssignableRoles)}; system-admin is not assigned through this API.");
        }

        violations.Require(desks.Count <= MaxDesks, "desks", $"At most {MaxDesks} desks.");
        for (var i = 0; i < desks.Count; i++)
        {
            violations.Require(EntryIds.IsValid(desks[i]), $"desks[{i}]", $"A desk id: {EntryIds.Rule}");
        }
    }

    private async Task<Account> ToAccountAsync(LiaisonUser user)
    {
        var account = new Account
        {
            Id = user.Id,
            UserName = user.UserName ?? string.Empty,
            DisplayName = user.DisplayName,
            Country = user.Country,
            Agency = user.Agency,
            Roles = { (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal) },
            Desks = { user.DeskList },
            Disabled = user.IsDisabled,
            SecondFactorEnabled = user.TwoFactorEnabled,
        };
        if (user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow)
        {
            account.LockedOutUntil = Timestamp.FromDateTimeOffset(end);
        }

        return account;
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, string.Join(" ", result.Errors.Select(e => e.Description))));
        }
    }

    private static string? DecodeToken(string token)
    {
        if (token.Length == 0)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw RpcErrors.InvalidArgument("page_token", "Pass the next_page_token of the previous page.");
        }
    }

    /// <summary>20 characters from an alphabet without look-alikes, with every character class the password rules ask for.</summary>
    private static string InitialPassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Concat(RandomNumberGenerator.GetString(alphabet, 16), "-", RandomNumberGenerator.GetString("23456789", 1), "aA");
    }

    private sealed record Caller(string Id, string Agency, string Country, bool IsSystemAdmin);

    [GeneratedRegex("^[a-z0-9._-]{3,64}$")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex("^[a-z0-9-]{3,64}$")]
    private static partial Regex AccountIdPattern();
}
