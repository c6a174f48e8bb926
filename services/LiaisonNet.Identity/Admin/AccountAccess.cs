using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;
using static LiaisonNet.Protos.Identity.V1.AccountAdminService;
using static LiaisonNet.ServiceDefaults.Security.LiaisonRoles;

namespace LiaisonNet.Identity.Admin;

/// <summary>Who may call each account RPC.</summary>
public static class AccountAccess
{
    private static readonly AccessRule Administer = AccessRule.Require(LiaisonScopes.Accounts, AgencyAdmin, SystemAdmin);

    public static AccessRules AdminRules { get; } = new(AccountAdminService.Descriptor)
    {
        [nameof(AccountAdminServiceBase.ListAccounts)] = Administer.Checks("Accounts of the caller's own agency."),
        [nameof(AccountAdminServiceBase.GetAccount)] = Administer.Checks("Accounts of the caller's own agency; another agency's answers NOT_FOUND, as a missing one does."),
        [nameof(AccountAdminServiceBase.CreateAccount)] = Administer.Checks("In the caller's own agency; the id is generated there or is a directory entry of that agency; desks of that agency."),
        [nameof(AccountAdminServiceBase.DisableAccount)] = Administer.Checks("Accounts of the caller's own agency, not the caller's own."),
        [nameof(AccountAdminServiceBase.EnableAccount)] = Administer.Checks("Accounts of the caller's own agency."),
        [nameof(AccountAdminServiceBase.SetAccess)] = Administer.Checks("Accounts of the caller's own agency; desks of that agency; never system-admin."),
        [nameof(AccountAdminServiceBase.ResetSecondFactor)] = Administer.Checks("Accounts of the caller's own agency."),
    };

    public static AccessRules LookupRules { get; } = new(AccountLookupService.Descriptor)
    {
        [nameof(AccountLookupService.AccountLookupServiceBase.FindAccounts)] = AccessRule.Require(LiaisonScopes.AccountsLookup, AccessCallers.Service)
            .Checks("LiaisonNet services only; answers an id's agency, nothing else of the account."),
    };
}
