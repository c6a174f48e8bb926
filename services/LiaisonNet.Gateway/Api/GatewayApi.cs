using Grpc.Core;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using OpenIddict.Abstractions;

namespace LiaisonNet.Gateway.Api;

/// <summary>The browser's HTTP API: the cookie session in, the user's own token out to the services.</summary>
public static class GatewayApi
{
    public const string CsrfHeader = "X-Liaison-Csrf";

    /// <summary>The relay's rule for sending, checked here too so that a refused role never reaches it.</summary>
    private static readonly AccessRule RelaySends = AccessRule.Session(LiaisonRoles.Officer, LiaisonRoles.DeskOperator).Except(LiaisonRoles.Auditor)
        .Checks("The relay sends as the session's user, with the user's own token.");

    private static readonly AccessRule OwnInbox = AccessRule.Session(AccessCallers.AnyPerson).Checks("The relay answers for the session's own inbox only.");

    private static readonly AccessRule DeskStaff = AccessRule.Session(AccessCallers.AnyPerson).Checks("The relay acts only for a desk the session's user staffs.");

    public static void MapGatewayApi(this WebApplication app)
    {
        var api = app.MapGroup("/api")
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .AddEndpointFilter(RequireCsrfHeader)
            .AddEndpointFilter(ServiceFailuresAsProblems);

        api.MapAuditApi();
        api.MapAdminApi();

        api.MapGet("/me", (HttpContext context) =>
        {
            var user = context.User;
            var security = new Uri(context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ServiceDefaults.Hosting.LiaisonOptions>>().Value.Urls.Issuer, "account/security");
            return TypedResults.Ok(new MeDto(user.SubjectId(), user.DisplayName(), user.Country(), user.Agency(), [.. user.GetClaims(OpenIddictConstants.Claims.Role)],
                security.ToString()));
        }).WithAccessRule(AccessRule.Session(AccessCallers.AnyPerson).Checks("The session's own user."));

        api.MapGet("/directory/search", async (
            HttpContext context, DirectoryService.DirectoryServiceClient directory, string? q, int? pageSize, string? pageToken, string? country, string? agency,
            string? centre, string? crossingPoint, string? speciality, string? language, bool? onDutyNow, bool? onDutyFirst) =>
        {
            var response = await directory.SearchOfficersAsync(new SearchOfficersRequest
            {
                Query = q ?? string.Empty,
                PageSize = pageSize ?? 20,
                PageToken = pageToken ?? string.Empty,
                Country = country ?? string.Empty,
                Agency = agency ?? string.Empty,
                Centre = centre ?? string.Empty,
                CrossingPoint = crossingPoint ?? string.Empty,
                Speciality = speciality ?? string.Empty,
                Language = language ?? string.Empty,
                OnDutyNow = onDutyNow ?? false,
                OnDutyFirst = onDutyFirst ?? false,
            }, await context.ForUserAsync());
            return Results.Ok(new SearchResultDto([.. response.Officers.Select(OfficerDto.From)], NullIfEmpty(response.NextPageToken)));
        }).WithAccessRule(AccessRule.Session(AccessCallers.AnyPerson).Checks("The directory's rules, with the user's own token."));

        var lookup = AccessRule.Session(AccessCallers.AnyPerson).Checks("The directory's public entries, with the user's own token.");
        api.MapGet("/officers/{officerId}", async (HttpContext context, DirectoryService.DirectoryServiceClient directory, string officerId) =>
        {
            return Results.Ok(OfficerCardDto.From(await directory.GetOfficerAsync(new GetOfficerRequest { Id = officerId }, await context.ForUserAsync())));
        }).WithAccessRule(AccessRule.Session(AccessCallers.AnyPerson).Checks("The directory shows restricted fields only where this user may see them, and audits it."));

        api.MapGet("/desks", async (HttpContext context, DirectoryService.DirectoryServiceClient directory) =>
        {
            var desks = new List<DeskDto>();
            var token = string.Empty;
            // Every desk, page by page (at most 1,000): the page filters them as the user types.
            do
            {
                var page = await directory.ListDesksAsync(new ListDesksRequest { PageSize = 100, PageToken = token }, await context.ForUserAsync());
                desks.AddRange(page.Desks.Select(DeskDto.From));
                token = page.NextPageToken;
            }
            while (token.Length > 0 && desks.Count < 1_000);

            return Results.Ok(desks);
        }).WithAccessRule(lookup);

        // The desks the user staffs (assigned to them, on their roster, or supervised by them), each with its open messages.
        api.MapGet("/desks/mine", async (HttpContext context, DirectoryService.DirectoryServiceClient directory, RelayService.RelayServiceClient relay) =>
        {
            var me = context.User.SubjectId();
            var assigned = await context.AssignedDesksAsync();
            var boards = new List<DeskBoardDto>();
            var token = string.Empty;
            do
            {
                var page = await directory.ListDesksAsync(new ListDesksRequest { PageSize = 100, PageToken = token }, await context.ForUserAsync());
                foreach (var desk in page.Desks.Where(d => assigned.Contains(d.Id) || d.Supervisor == me || d.Roster.Any(s => s.Primary == me || s.Backup == me)))
                {
                    var items = await relay.ListDeskItemsAsync(new ListDeskItemsRequest { DeskId = desk.Id, Limit = 100 }, await context.ForUserAsync());
                    boards.Add(new DeskBoardDto(DeskDto.From(desk), [.. items.Items.Select(DeskItemDto.From)]));
                }

                token = page.NextPageToken;
            }
            while (token.Length > 0 && boards.Count < 50);

            return Results.Ok(boards);
        }).WithAccessRule(AccessRule.Session(AccessCallers.AnyPerson).Checks("Desks the session's user staffs; the relay checks each one."));

        api.MapPost("/desks/{deskId}/messages/{messageId}/acknowledge", async (HttpContext context, RelayService.RelayServiceClient relay, string deskId, string messageId) =>
        {
            await relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = messageId, DeskId = deskId }, await context.ForUserAsync());
            return Results.NoContent();
        }).WithAccessRule(DeskStaff);

        api.MapPost("/desks/{deskId}/messages/{messageId}/reply", async (HttpContext context, RelayService.RelayServiceClient relay, string deskId, string messageId, ReplyDto reply) =>
        {
            await relay.ReplyAsync(new ReplyRequest { MessageId = messageId, DeskId = deskId, Code = ReplyNames.Parse(reply.Code), Reason = reply.Reason ?? string.Empty },
                await context.ForUserAsync());
            return Results.NoContent();
        }).WithAccessRule(DeskStaff);

        api.MapGet("/lists", async (HttpContext context, DirectoryService.DirectoryServiceClient directory) =>
        {
            var lists = await directory.ListDistributionListsAsync(new ListDistributionListsRequest(), await context.ForUserAsync());
            return Results.Ok(lists.Lists.Select(l => new DistributionListDto(l.Id, l.Name, [.. l.Desks])).ToList());
        }).WithAccessRule(lookup);

        api.MapPost("/messages", async (HttpContext context, RelayService.RelayServiceClient relay, SendMessageDto message) =>
        {
            var request = new SendMessageRequest
            {
                ClientMessageId = message.ClientMessageId ?? string.Empty,
                ActionRecipients = { message.Recipients ?? [] },
                InfoRecipients = { message.InfoRecipients ?? [] },
                Precedence = PrecedenceNames.Parse(message.Precedence),
                Subject = message.Subject ?? string.Empty,
                Body = message.Body ?? string.Empty,
                HandlingCode = HandlingNames.Parse(message.HandlingCode),
                HandlingNote = message.HandlingNote ?? string.Empty,
                Classification = message.Classification ?? string.Empty,
                CaseId = message.CaseId ?? string.Empty,
                InReplyTo = message.InReplyTo ?? string.Empty,
            };
            if (message.Evaluation is { } evaluation)
            {
                request.Evaluation = new Evaluation { SourceReliability = evaluation.SourceReliability ?? string.Empty, InformationAssessment = evaluation.InformationAssessment ?? string.Empty };
            }

            if (message.ExpiresAt is { } expires)
            {
                request.ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(expires);
            }

            var sent = await relay.SendMessageAsync(request, await context.ForUserAsync());
            return Results.Ok(new SentDto(sent.MessageId, sent.AcceptedAt.ToDateTimeOffset(), sent.Duplicate));
        }).WithAccessRule(RelaySends);

        api.MapGet("/inbox", async (HttpContext context, RelayService.RelayServiceClient relay, long? after, int? limit) =>
        {
            var page = await relay.ListInboxAsync(new ListInboxRequest { AfterCursor = after ?? 0, Limit = limit ?? 50 }, await context.ForUserAsync());
            return Results.Ok(new InboxPageDto([.. page.Items.Select(InboxItemDto.From)], page.NextCursor));
        }).WithAccessRule(OwnInbox);

        api.MapGet("/sent", async (HttpContext context, RelayService.RelayServiceClient relay, string? pageToken) =>
        {
            var page = await relay.ListSentAsync(new ListSentRequest { Limit = 20, PageToken = pageToken ?? string.Empty }, await context.ForUserAsync());
            return Results.Ok(new SentPageDto([.. page.Messages.Select(SentMessageDto.From)], NullIfEmpty(page.NextPageToken)));
        }).WithAccessRule(AccessRule.Session(AccessCallers.AnyPerson).Checks("The relay lists the session's own sent messages only."));

        api.MapPost("/messages/{messageId}/reply", async (HttpContext context, RelayService.RelayServiceClient relay, string messageId, ReplyDto reply) =>
        {
            await relay.ReplyAsync(new ReplyRequest { MessageId = messageId, Code = ReplyNames.Parse(reply.Code), Reason = reply.Reason ?? string.Empty },
                await context.ForUserAsync());
            return Results.NoContent();
        }).WithAccessRule(OwnInbox);

        api.MapPost("/messages/{messageId}/forward", async (HttpContext context, RelayService.RelayServiceClient relay, string messageId, ForwardDto forward) =>
        {
            var sent = await relay.ForwardAsync(new ForwardRequest
            {
                ClientMessageId = forward.ClientMessageId ?? string.Empty, MessageId = messageId, ActionRecipients = { forward.Recipients ?? [] },
                InfoRecipients = { forward.InfoRecipients ?? [] }, Note = forward.Note ?? string.Empty,
            }, await context.ForUserAsync());
            return Results.Ok(new SentDto(sent.MessageId, sent.AcceptedAt.ToDateTimeOffset(), sent.Duplicate));
        }).WithAccessRule(RelaySends);

        api.MapGet("/messages/{messageId}/permissions", async (HttpContext context, RelayService.RelayServiceClient relay, string messageId) =>
        {
            var list = await relay.ListForwardPermissionsAsync(new ListForwardPermissionsRequest { MessageId = messageId }, await context.ForUserAsync());
            return Results.Ok(list.Permissions.Select(PermissionDto.From).ToList());
        }).WithAccessRule(AccessRule.Session(AccessCallers.AnyPerson).Checks("The relay shows the originator every request, an asker their own."));

        api.MapPost("/messages/{messageId}/permissions", async (HttpContext context, RelayService.RelayServiceClient relay, string messageId, PermissionRequestDto asked) =>
        {
            var permission = await relay.RequestForwardPermissionAsync(new RequestForwardPermissionRequest
            {
                MessageId = messageId, Recipients = { asked.Recipients ?? [] }, Reason = asked.Reason ?? string.Empty,
            }, await context.ForUserAsync());
            return Results.Ok(PermissionDto.From(permission));
        }).WithAccessRule(RelaySends);

        api.MapPost("/permissions/{permissionId}/decision", async (HttpContext context, RelayService.RelayServiceClient relay, string permissionId, DecisionDto decision) =>
        {
            var permission = await relay.DecideForwardPermissionAsync(new DecideForwardPermissionRequest
            {
                PermissionId = permissionId, Grant = decision.Grant, Reason = decision.Reason ?? string.Empty,
            }, await context.ForUserAsync());
            return Results.Ok(PermissionDto.From(permission));
        }).WithAccessRule(AccessRule.Session(AccessCallers.AnyPerson).Checks("The relay lets only the originator of the message decide."));

        api.MapPost("/messages/{messageId}/read", async (HttpContext context, RelayService.RelayServiceClient relay, string messageId) =>
        {
            await relay.MarkReadAsync(new MarkReadRequest { MessageId = messageId }, await context.ForUserAsync());
            return Results.NoContent();
        }).WithAccessRule(OwnInbox);

        api.MapPost("/messages/{messageId}/acknowledge", async (HttpContext context, RelayService.RelayServiceClient relay, string messageId) =>
        {
            await relay.AcknowledgeAsync(new AcknowledgeRequest { MessageId = messageId }, await context.ForUserAsync());
            return Results.NoContent();
        }).WithAccessRule(OwnInbox);
    }

    /// <summary>
    /// Changes need a header that a cross-site form cannot send (and a cross-site script cannot add without a CORS grant,
    /// which the gateway never gives), on top of the SameSite cookie.
    /// </summary>
    private static async ValueTask<object?> RequireCsrfHeader(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !request.Headers.ContainsKey(CsrfHeader))
        {
            return TypedResults.Problem($"Send the {CsrfHeader} header with every change.", statusCode: StatusCodes.Status403Forbidden, title: "Missing CSRF header.");
        }

        return await next(context);
    }

    /// <summary>
    /// Every route calls the services with the user's token: whatever status a service answers becomes the matching
    /// ProblemDetails here, once for all routes.
    /// </summary>
    private static async ValueTask<object?> ServiceFailuresAsProblems(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (RpcException ex)
        {
            return ex.ToProblem();
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
