using LiaisonNet.ServiceDefaults.Security;

namespace LiaisonNet.Identity.Seed;

public sealed record DemoAccount(string Id, string UserName, string DisplayName, string Country, string Agency, string[] Roles);

/// <summary>The demo sign-ins of the embedded default. Officer accounts share their id with their directory entry.</summary>
public static class DemoAccounts
{
    public static IReadOnlyList<DemoAccount> All { get; } =
    [
        new("kz-bs-sattarkhanov", "sattarkhanov", "Sattarkhanov Yerlan", "KZ", "KZ-BS", [LiaisonRoles.Officer]),
        new("kz-cus-zhaksylykova", "zhaksylykova", "Zhaksylykova Aigerim", "KZ", "KZ-CUS", [LiaisonRoles.Officer]),
        new("uz-cus-khodjaev", "khodjaev", "Xo‘jayev Rustam", "UZ", "UZ-CUS", [LiaisonRoles.Officer]),
        new("kg-bs-asanov", "asanov", "Asanov Bakyt", "KG", "KG-BS", [LiaisonRoles.Officer, LiaisonRoles.DeskOperator]),
        new("tj-dca-rahimov", "rahimov", "Rahimov Firdavs", "TJ", "TJ-DCA", [LiaisonRoles.Officer]),
        new("kz-bs-omarova", "omarova", "Omarova Dina", "KZ", "KZ-BS", [LiaisonRoles.Auditor]),
        new("uz-cus-karimova", "karimova", "Karimova Nodira", "UZ", "UZ-CUS", [LiaisonRoles.Auditor]),
        new("kz-bs-abenov", "abenov", "Abenov Arman", "KZ", "KZ-BS", [LiaisonRoles.AgencyAdmin]),
    ];
}
