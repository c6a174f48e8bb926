using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;
using static LiaisonNet.ServiceDefaults.Security.LiaisonRoles;

namespace LiaisonNet.Directory.Grpc;

/// <summary>Who may call each directory RPC. Every call of a person also needs their token to agree with their directory entry.</summary>
public static class DirectoryAccess
{
    private const string Scope = LiaisonScopes.Directory;
    private static readonly AccessRule Lookup = AccessRule.Require(Scope, AccessCallers.AnyPerson, AccessCallers.Service, AccessCallers.Sender);
    private static readonly AccessRule Administer = AccessRule.Require(Scope, AgencyAdmin, SystemAdmin);

    public static AccessRules Rules { get; } = new(DirectoryService.Descriptor)
    {
        [nameof(DirectoryService.DirectoryServiceBase.SearchOfficers)] = Lookup.Checks("Restricted fields are neither shown nor matched outside their audience; rate-limited per caller."),
        [nameof(DirectoryService.DirectoryServiceBase.GetOfficer)] = Lookup.Checks("Restricted fields only for the officer's agency (or country, per field), each look-up audited."),
        [nameof(DirectoryService.DirectoryServiceBase.GetDesk)] = Lookup.Checks("Public entries only."),
        [nameof(DirectoryService.DirectoryServiceBase.ListDesks)] = Lookup.Checks("Public entries only."),
        [nameof(DirectoryService.DirectoryServiceBase.ListPlaces)] = Lookup.Checks("Public entries only."),
        [nameof(DirectoryService.DirectoryServiceBase.ListUnits)] = Lookup.Checks("Public entries only."),
        [nameof(DirectoryService.DirectoryServiceBase.GetDistributionList)] = Lookup.Checks("Public entries only."),
        [nameof(DirectoryService.DirectoryServiceBase.GetSender)] = Lookup.Checks("Public entries only."),
        [nameof(DirectoryService.DirectoryServiceBase.ListDistributionLists)] = Lookup.Checks("Public entries only."),
    };

    public static AccessRules AdminRules { get; } = new(DirectoryAdminService.Descriptor)
    {
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.PutOfficer)] = Administer.Checks("Entries of the caller's own agency; never an id that is another agency's account."),
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.DeleteOfficer)] = Administer.Checks("Entries of the caller's own agency."),
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.PutDesk)] = Administer.Checks("Entries of the caller's own agency."),
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.DeleteDesk)] = Administer.Checks("Entries of the caller's own agency."),
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.GetHistory)] = Administer.Checks("Entries of the caller's own agency."),
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.ImportOfficers)] = Administer.Checks("Rows of the caller's own agency only; all or none."),
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.ExportOfficers)] = Administer.Checks("The caller's own agency."),
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.PutSender)] = Administer.Checks("Senders of the caller's own agency; never an id that is another agency's account."),
        [nameof(DirectoryAdminService.DirectoryAdminServiceBase.DeleteSender)] = Administer.Checks("Senders of the caller's own agency."),
    };
}
