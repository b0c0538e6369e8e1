using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;
using BasedAI.Network.PubSub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace BasedAI.Network;

/// <summary>Creates libp2p peers from the services registered with <see cref="Libp2pServiceCollectionExtensions.AddLibp2p"/>.</summary>
public interface IPeerFactory
{
    /// <summary>Creates a peer; a null <paramref name="identity"/> generates a fresh Ed25519 identity owned by the peer.</summary>
    ILocalPeer Create(NodeIdentity? identity = null);
}

/// <summary>Configures what every peer built by <see cref="IPeerFactory"/> runs.</summary>
public sealed class Libp2pBuilder
{
    internal Libp2pOptions Options { get; } = new();
    internal Action<GossipsubOptions>? Gossipsub { get; private set; }
    internal bool GossipsubEnabled { get; private set; }
    internal List<(string Id, RequestHandler? Handler, RequestResponseOptions Options)> RequestResponse { get; } = [];

    internal Libp2pBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection (to register <see cref="IProtocol"/> implementations and their dependencies).</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adjusts connection settings and limits.</summary>
    public Libp2pBuilder Configure(Action<Libp2pOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Options);
        return this;
    }

    /// <summary>Runs a gossipsub router on every peer (<see cref="ILocalPeer.PubSub"/>).</summary>
    public Libp2pBuilder WithGossipsub(Action<GossipsubOptions>? configure = null)
    {
        GossipsubEnabled = true;
        Gossipsub = configure;
        return this;
    }

    /// <summary>Serves <typeparamref name="TProtocol"/> (resolved from the container) on every peer.</summary>
    public Libp2pBuilder WithProtocol<TProtocol>() where TProtocol : class, IProtocol
    {
        Services.AddSingleton<TProtocol>();
        Services.AddSingleton<IProtocol>(sp => sp.GetRequiredService<TProtocol>());
        return this;
    }

    /// <summary>
    /// Adds a request-response protocol to every peer (<c>peer.GetService&lt;RequestResponseProtocol&gt;()</c>); a null handler only sends.
    /// </summary>
    public Libp2pBuilder WithRequestResponse(string protocolId, RequestHandler? handler, Action<RequestResponseOptions>? configure = null)
    {
        var options = new RequestResponseOptions();
        configure?.Invoke(options);
        RequestResponse.Add((protocolId, handler, options));
        return this;
    }
}

/// <summary>Registers libp2p with dependency injection.</summary>
public static class Libp2pServiceCollectionExtensions
{
    /// <summary>Adds <see cref="IPeerFactory"/>, configured by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddLibp2p(this IServiceCollection services, Action<Libp2pBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new Libp2pBuilder(services);
        configure?.Invoke(builder);
        services.TryAddSingleton<IPeerFactory>(sp => new PeerFactory(builder, sp));
        return services;
    }

    private sealed class PeerFactory(Libp2pBuilder builder, IServiceProvider provider) : IPeerFactory
    {
        public ILocalPeer Create(NodeIdentity? identity = null)
        {
            ILoggerFactory? loggers = provider.GetService<ILoggerFactory>();
            var services = new List<IPeerService>();
            if (builder.GossipsubEnabled)
            {
                var options = new GossipsubOptions();
                builder.Gossipsub?.Invoke(options);
                services.Add(new GossipsubRouter(options, loggers));
            }
            foreach ((string id, RequestHandler? handler, RequestResponseOptions options) in builder.RequestResponse)
            {
                services.Add(new RequestResponseProtocol(id, handler, options, loggers));
            }
            var peer = new Libp2pPeer(identity ?? NodeIdentity.Generate(), builder.Options, loggers, services, ownsIdentity: identity is null);
            foreach (IProtocol protocol in provider.GetServices<IProtocol>())
            {
                peer.Handle(protocol);
            }
            return peer;
        }
    }
}
