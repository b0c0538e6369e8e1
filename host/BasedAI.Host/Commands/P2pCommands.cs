using System.CommandLine;
using System.Text;
using System.Text.Json;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;
using BasedAI.Network.PubSub;

namespace BasedAI.Host.Commands;

/// <summary>
/// <c>basedai p2p id|listen|dial</c>: check libp2p connectivity (with other BasedAI hosts or any js/go libp2p peer).
/// Every event is one JSON line on stdout; failures also print one line on stderr and exit non-zero.
/// </summary>
internal static class P2pCommands
{
    public static Command Create()
    {
        var command = new Command("p2p", "libp2p networking: node identity and connectivity checks (TCP, Noise, Yamux, identify, ping, gossipsub).");
        command.Subcommands.Add(CreateId());
        command.Subcommands.Add(CreateListen());
        command.Subcommands.Add(CreateDial());
        return command;
    }

    private static Option<string> KeyFileOption() => new("--key-file")
    {
        Description = "Node key file (libp2p private key protobuf). Default: $BASEDAI_HOME/p2p/node.key or ~/.basedai/p2p/node.key.",
        DefaultValueFactory = _ => NodeKeyFile.DefaultPath,
    };

    private static Option<string> KeyTypeOption() => new("--key-type")
    {
        Description = "Key type to create when the key file does not exist: ed25519 or secp256k1.",
        DefaultValueFactory = _ => "ed25519",
    };

    private static Option<bool> UnsignedOption() => new("--unsigned")
    {
        Description = "Gossipsub StrictNoSign (anonymous messages) instead of StrictSign.",
    };

    private static Option<double?> TimeoutOption(string description) => new("--timeout") { Description = description };

    private static Command CreateId()
    {
        var keyFile = KeyFileOption();
        var keyType = KeyTypeOption();
        var command = new Command("id", "Show the node's peer id, creating the node key on first use.") { keyFile, keyType };
        command.SetHandler(parse =>
        {
            using NodeIdentity identity = LoadIdentity(parse.GetValue(keyFile)!, parse.GetValue(keyType)!, out bool created);
            using var output = new JsonLines();
            output.Emit("id", w =>
            {
                w.WriteString("peerId", identity.PeerId.ToString());
                w.WriteString("cid", identity.PeerId.ToCidString());
                w.WriteString("keyType", identity.PublicKey.Type.ToString());
                w.WriteString("keyFile", Path.GetFullPath(parse.GetValue(keyFile)!));
                w.WriteBoolean("created", created);
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateListen()
    {
        var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one).", DefaultValueFactory = _ => 0 };
        var ip = new Option<string>("--ip") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var topic = new Option<string?>("--topic") { Description = "Gossipsub topic to join; its messages print as JSON lines." };
        var keyFile = KeyFileOption();
        var keyType = KeyTypeOption();
        var unsigned = UnsignedOption();
        var timeout = TimeoutOption("Stop after this many seconds (default: run until Ctrl+C).");
        port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 65535)
            {
                r.AddError("--port must be between 0 and 65535.");
            }
        });
        var command = new Command("listen", "Listen for libp2p connections; prints the full multiaddr, then connections, identify, pings, echoes and topic messages as JSON lines.")
        {
            port, ip, topic, keyFile, keyType, unsigned, timeout,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            using var output = new JsonLines();
            using NodeIdentity identity = LoadIdentity(parse.GetValue(keyFile)!, parse.GetValue(keyType)!, out _);
            string? topicName = parse.GetValue(topic);
            var router = new GossipsubRouter(new GossipsubOptions { SignaturePolicy = parse.GetValue(unsigned) ? SignaturePolicy.StrictNoSign : SignaturePolicy.StrictSign });
            await using var peer = new Libp2pPeer(identity, new Libp2pOptions(), services: [router]);
            var echo = new EchoProtocol();
            echo.Echoed += (from, bytes) => output.Emit("echo", w => { w.WriteString("peer", from.ToString()); w.WriteNumber("bytes", bytes); });
            peer.Handle(echo);
            WireEvents(peer, output, pingNewPeers: true, cancellationToken);
            if (topicName is not null)
            {
                SubscribeAndPrint(router, topicName, output);
            }
            string host = parse.GetValue(ip)!;
            string family = host.Contains(':', StringComparison.Ordinal) ? "ip6" : "ip4";
            Multiaddr bound = await peer.ListenAsync(Multiaddr.Parse($"/{family}/{host}/tcp/{parse.GetValue(port)}"), cancellationToken);
            output.Emit("listening", w =>
            {
                w.WriteString("peerId", peer.PeerId.ToString());
                w.WriteString("addr", bound.WithPeerId(peer.PeerId).ToString());
                w.WriteStartArray("addrs");
                foreach (Multiaddr a in peer.ListenAddresses)
                {
                    w.WriteStringValue(a.WithPeerId(peer.PeerId).ToString());
                }
                w.WriteEndArray();
                WriteArray(w, "protocols", peer.Protocols);
            });
            try
            {
                double? seconds = parse.GetValue(timeout);
                await Task.Delay(seconds is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan, cancellationToken);
                output.Emit("exit", w => w.WriteString("reason", "timeout"));
            }
            catch (OperationCanceledException)
            {
                output.Emit("exit", w => w.WriteString("reason", "cancelled"));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateDial()
    {
        var address = new Argument<string>("multiaddr") { Description = "Address to dial, e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…" };
        var ping = new Option<int>("--ping") { Description = "Pings to send (round-trip times print as JSON lines).", DefaultValueFactory = _ => 0 };
        var echo = new Option<string?>("--echo") { Description = "Send TEXT over /echo/1.0.0 and check the reply." };
        var topic = new Option<string?>("--topic") { Description = "Gossipsub topic to join; its messages print as JSON lines until the timeout." };
        var publish = new Option<string?>("--publish") { Description = "Publish TEXT on --topic once the remote is subscribed." };
        var keyFile = KeyFileOption();
        var keyType = KeyTypeOption();
        var unsigned = UnsignedOption();
        var timeout = TimeoutOption("Give up after this many seconds (default 10; with --topic and no --publish, listen this long).");
        ping.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 1000)
            {
                r.AddError("--ping must be between 0 and 1000.");
            }
        });
        var command = new Command("dial", "Dial a peer and check it: handshake, identify, then optional ping, echo and publish. Exits non-zero on any failure.")
        {
            address, ping, echo, topic, publish, keyFile, keyType, unsigned, timeout,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(publish) is not null && r.GetValue(topic) is null)
            {
                r.AddError("--publish needs --topic.");
            }
        });
        command.SetHandler(async (parse, cancellationToken) =>
        {
            using var output = new JsonLines();
            Multiaddr target;
            try
            {
                target = Multiaddr.Parse(parse.GetValue(address)!);
            }
            catch (FormatException e)
            {
                return output.Fail(ExitCodes.InvalidInput, e.Message);
            }
            TimeSpan limit = TimeSpan.FromSeconds(parse.GetValue(timeout) ?? 10);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(limit);
            using NodeIdentity identity = LoadIdentity(parse.GetValue(keyFile)!, parse.GetValue(keyType)!, out _);
            var router = new GossipsubRouter(new GossipsubOptions { SignaturePolicy = parse.GetValue(unsigned) ? SignaturePolicy.StrictNoSign : SignaturePolicy.StrictSign });
            await using var peer = new Libp2pPeer(identity, new Libp2pOptions { HandshakeTimeout = limit }, services: [router]);
            WireEvents(peer, output, pingNewPeers: false, cancellationToken);
            string? topicName = parse.GetValue(topic);
            Topic? joined = topicName is null ? null : SubscribeAndPrint(router, topicName, output);
            string step = "dial";
            try
            {
                ISession session = await peer.DialAsync(target, deadline.Token);
                output.Emit("connected", w =>
                {
                    w.WriteString("peer", session.RemotePeer.ToString());
                    w.WriteString("addr", session.RemoteAddress.ToString());
                    w.WriteString("keyType", session.RemotePublicKey.Type.ToString());
                });
                step = "identify";
                await session.Identified.WaitAsync(deadline.Token);
                int pings = parse.GetValue(ping);
                if (pings > 0)
                {
                    step = "ping";
                    TimeSpan[] rtts = await session.PingAsync(pings, deadline.Token);
                    for (int i = 0; i < rtts.Length; i++)
                    {
                        int seq = i;
                        output.Emit("ping", w => { w.WriteString("peer", session.RemotePeer.ToString()); w.WriteNumber("seq", seq); w.WriteNumber("rttMs", Math.Round(rtts[seq].TotalMilliseconds, 3)); });
                    }
                }
                if (parse.GetValue(echo) is { } text)
                {
                    step = "echo";
                    string reply = Encoding.UTF8.GetString(await EchoProtocol.EchoAsync(session, Encoding.UTF8.GetBytes(text), deadline.Token));
                    bool ok = reply == text;
                    output.Emit("echo", w => { w.WriteString("sent", text); w.WriteString("reply", reply); w.WriteBoolean("ok", ok); });
                    if (!ok)
                    {
                        return output.Fail(ExitCodes.Failure, "the echo reply differs from what was sent");
                    }
                }
                if (joined is not null)
                {
                    step = "publish";
                    if (parse.GetValue(publish) is { } message)
                    {
                        while (!joined.Peers.Contains(session.RemotePeer))
                        {
                            await Task.Delay(50, deadline.Token);
                        }
                        int recipients = joined.Publish(Encoding.UTF8.GetBytes(message));
                        output.Emit("published", w => { w.WriteString("topic", joined.Name); w.WriteString("data", message); w.WriteNumber("recipients", recipients); });
                        // Let the message leave before the connection closes.
                        await Task.Delay(300, cancellationToken);
                    }
                    else
                    {
                        await Task.Delay(Timeout.InfiniteTimeSpan, deadline.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    }
                }
                output.Emit("done", w => w.WriteString("peer", session.RemotePeer.ToString()));
                return ExitCodes.Success;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return output.Fail(ExitCodes.Unavailable, $"{step} did not complete within {limit.TotalSeconds:0.###} s");
            }
            catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                return output.Fail(ExitCodes.Unavailable, $"{step} failed: {e.Message}");
            }
            catch (Exception e) when (e is Libp2pException or InvalidOperationException)
            {
                return output.Fail(ExitCodes.Failure, $"{step} failed: {e.Message}");
            }
        });
        return command;
    }

    private static NodeIdentity LoadIdentity(string keyFile, string keyType, out bool created)
    {
        KeyType type = keyType.ToUpperInvariant() switch
        {
            "ED25519" => KeyType.Ed25519,
            "SECP256K1" => KeyType.Secp256k1,
            _ => throw new ArgumentException($"--key-type must be ed25519 or secp256k1, not '{keyType}'."),
        };
        return new NodeIdentity(NodeKeyFile.LoadOrCreate(keyFile, type, out created));
    }

    private static Topic SubscribeAndPrint(GossipsubRouter router, string name, JsonLines output)
    {
        Topic topic = router.GetTopic(name);
        topic.OnMessage += m => output.Emit("message", w =>
        {
            w.WriteString("topic", m.Topic);
            w.WriteString("type", m.IsSigned ? "signed" : "unsigned");
            if (m.From is not null)
            {
                w.WriteString("from", m.From.ToString());
            }
            if (m.SequenceNumber is { } seqno)
            {
                w.WriteString("seqno", seqno.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            w.WriteString("receivedFrom", m.ReceivedFrom.ToString());
            w.WriteString("data", Encoding.UTF8.GetString(m.Data.Span));
            w.WriteString("dataHex", Convert.ToHexStringLower(m.Data.Span));
        });
        topic.Subscribe();
        output.Emit("subscribed", w => w.WriteString("topic", name));
        return topic;
    }

    private static void WireEvents(Libp2pPeer peer, JsonLines output, bool pingNewPeers, CancellationToken cancellationToken)
    {
        peer.SessionOpened += session =>
        {
            output.Emit("connection:open", w =>
            {
                w.WriteString("peer", session.RemotePeer.ToString());
                w.WriteString("remoteAddr", session.RemoteAddress.ToString());
                w.WriteString("direction", session.Direction == Direction.Inbound ? "inbound" : "outbound");
            });
            if (pingNewPeers)
            {
                _ = PingOnceAsync(session, output, cancellationToken);
            }
        };
        peer.SessionClosed += session => output.Emit("connection:close", w => w.WriteString("peer", session.RemotePeer.ToString()));
        peer.PeerIdentified += (session, info) => output.Emit("identify", w =>
        {
            w.WriteString("peer", session.RemotePeer.ToString());
            w.WriteString("agentVersion", info.AgentVersion);
            w.WriteString("protocolVersion", info.ProtocolVersion);
            WriteArray(w, "protocols", info.Protocols);
            WriteArray(w, "listenAddrs", info.ListenAddresses.Select(a => a.ToString()));
            if (info.ObservedAddress is not null)
            {
                w.WriteString("observedAddr", info.ObservedAddress.ToString());
            }
        });
    }

    private static async Task PingOnceAsync(ISession session, JsonLines output, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            TimeSpan rtt = await session.PingAsync(timeout.Token);
            output.Emit("ping", w => { w.WriteString("peer", session.RemotePeer.ToString()); w.WriteNumber("seq", 0); w.WriteNumber("rttMs", Math.Round(rtt.TotalMilliseconds, 3)); });
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or Libp2pException or TimeoutException)
        {
            output.Emit("ping:error", w => { w.WriteString("peer", session.RemotePeer.ToString()); w.WriteString("error", e.Message); });
        }
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }
        writer.WriteEndArray();
    }

    /// <summary>Writes one JSON object per line to stdout; safe to call from event handlers on any thread.</summary>
    private sealed class JsonLines : IDisposable
    {
        private readonly Stream _stdout = Console.OpenStandardOutput();
        private readonly object _lock = new();

        public void Emit(string name, Action<Utf8JsonWriter> fields)
        {
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                writer.WriteString("event", name);
                writer.WriteNumber("t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                fields(writer);
                writer.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
            lock (_lock)
            {
                buffer.Position = 0;
                buffer.CopyTo(_stdout);
                _stdout.Flush();
            }
        }

        public int Fail(int exitCode, string message)
        {
            Emit("error", w => { w.WriteString("error", message); w.WriteNumber("code", exitCode); });
            Console.Error.WriteLine($"error: {message}");
            return exitCode;
        }

        public void Dispose() => _stdout.Dispose();
    }
}
