using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LiaisonNet.Identity.Accounts;

/// <summary>Accounts, roles and the OpenIddict applications, authorizations, scopes and tokens.</summary>
public sealed class IdentityDb(DbContextOptions<IdentityDb> options) : IdentityDbContext<LiaisonUser>(options);
