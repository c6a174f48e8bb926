using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LiaisonNet.Identity.Accounts;

/// <summary>Accounts, roles, the OpenIddict applications, authorizations, scopes and tokens, and the audit outbox.</summary>
public sealed class IdentityDb(DbContextOptions<IdentityDb> options) : IdentityDbContext<LiaisonUser>(options)
{
    /// <summary>Audit events saved with the change they record, until the audit service has them.</summary>
    public DbSet<AuditOutboxEntry> AuditOutbox => Set<AuditOutboxEntry>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<AuditOutboxEntry>(entry =>
        {
            entry.ToTable("audit_outbox");
            entry.HasKey(e => e.Seq);
            entry.Property(e => e.Seq).ValueGeneratedOnAdd();
        });
    }
}

public sealed class AuditOutboxEntry
{
    public long Seq { get; set; }

    /// <summary>The encoded <c>liaison.audit.v1.AuditEvent</c>.</summary>
    public byte[] Event { get; set; } = [];
}
