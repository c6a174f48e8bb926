using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Messages;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Relay.Tests;

public sealed class SendRulesTests
{
    private static SendMessageRequest Valid() => new()
    {
        ClientMessageId = "c-1", ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Flash, Subject = "Subject", Body = "Body",
    };

    [Fact]
    public void AValidMessagePasses() => Assert.False(SendRules.Check(Valid(), DateTimeOffset.UtcNow).Any);

    [Fact]
    public void EveryProblemIsReportedAtOnceWithItsField()
    {
        var request = Valid();
        request.ClientMessageId = "";
        request.ActionRecipients.Clear();
        request.Precedence = (Precedence)9;
        request.Subject = " ";
        request.Body = new string('b', SendRules.MaxBodyLength + 1);
        var fields = SendRules.Check(request, DateTimeOffset.UtcNow).Items.Select(v => v.Field).ToList();
        Assert.Equal(["client_message_id", "action_recipients", "precedence", "subject", "body"], fields);
    }

    [Fact]
    public void ARecipientNamedTwiceIsRejected()
    {
        var request = Valid();
        request.InfoRecipients.Add("uz-cus-khodjaev");
        Assert.Contains(SendRules.Check(request, DateTimeOffset.UtcNow).Items, v => v.Field == "info_recipients");
    }

    [Theory]
    [InlineData(Precedence.Flash, 10)]
    [InlineData(Precedence.Immediate, 30)]
    [InlineData(Precedence.Priority, 180)]
    [InlineData(Precedence.Routine, 360)]
    public void PrecedenceSetsTheAcknowledgementDeadline(Precedence precedence, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), SendRules.AcknowledgeWithin(precedence, new AcknowledgeDeadlines()));

    [Fact]
    public void BodiesOpenWithTheirOwnKeyAfterRotationAndNotUnderAnotherMessageId()
    {
        var key1 = Convert.ToBase64String(new byte[32]);
        var key2 = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());
        var before = new BodyCipher(Options.Create(new RelayOptions { ActiveBodyKey = "k1", BodyKeys = { ["k1"] = key1 } }));
        var sealedBody = before.Seal("Салам, Ашгабат", "m-1");
        Assert.DoesNotContain(System.Text.Encoding.UTF8.GetBytes("Ашгабат"), sealedBody.AsEnumerable().Chunk(14).Select(c => c.ToArray()));

        var after = new BodyCipher(Options.Create(new RelayOptions { ActiveBodyKey = "k2", BodyKeys = { ["k1"] = key1, ["k2"] = key2 } }));
        Assert.Equal("Салам, Ашгабат", after.Open(sealedBody, "m-1"));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => after.Open(sealedBody, "m-2"));
        Assert.Equal("k2", System.Text.Encoding.UTF8.GetString(after.Seal("x", "m-3"), 1, 2));
    }
}
