using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LiaisonNet.Identity.Accounts;

/// <summary>
/// Accounts, roles, the OpenIddict applications, authorizations, scopes and tokens, and the audit outbox. One model, kept
/// by EF Core migrations for each database: <see cref="SqliteIdentityDb"/> and <see cref="PostgresIdentityDb"/>.
/// </summary>
public abstract class IdentityDb(DbContextOptions options) : IdentityDbContext<LiaisonUser>(options)
{
    /// <summary>Audit events saved with the change they record, until the audit service has them.</summary>
    public DbSet<AuditOutboxEntry> AuditOutbox => Set<AuditOutboxEntry>();

    /// <summary>Per account, the authenticator time step last accepted (a code is good once).</summary>
    public DbSet<TotpLastStep> TotpLastSteps => Set<TotpLastStep>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        builder.Entity<AuditOutboxEntry>(entry =>
        {
            entry.ToTable("audit_outbox");
            entry.HasKey(e => e.Seq);
            entry.Property(e => e.Seq).ValueGeneratedOnAdd();
        });
        builder.Entity<TotpLastStep>(step =>
        {
            step.ToTable("totp_last_step");
            step.HasKey(e => e.UserId);
            step.Property(e => e.Step).ValueGeneratedNever();
            step.HasOne<LiaisonUser>().WithMany().HasForeignKey(e => e.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

/// <summary>The identity database on SQLite (the embedded default), with its own migrations.</summary>
public sealed class SqliteIdentityDb(DbContextOptions<SqliteIdentityDb> options) : IdentityDb(options);

/// <summary>The identity database on PostgreSQL, with its own migrations.</summary>
public sealed class PostgresIdentityDb(DbContextOptions<PostgresIdentityDb> options) : IdentityDb(options);

/// <summary>For <c>dotnet ef migrations add … --context SqliteIdentityDb</c>: the model, without a running host.</summary>
public sealed class SqliteIdentityDbFactory : IDesignTimeDbContextFactory<SqliteIdentityDb>
{
    public SqliteIdentityDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteIdentityDb>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>For <c>dotnet ef migrations add … --context PostgresIdentityDb</c>: the model, without a running host or server.</summary>
public sealed class PostgresIdentityDbFactory : IDesignTimeDbContextFactory<PostgresIdentityDb>
{
    public PostgresIdentityDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresIdentityDb>().UseNpgsql("Host=localhost;Database=design_time").Options);
}

public sealed class AuditOutboxEntry
{
    public long Seq { get; set; }

    /// <summary>The encoded <c>liaison.audit.v1.AuditEvent</c>.</summary>
    public byte[] Event { get; set; } = [];
}
