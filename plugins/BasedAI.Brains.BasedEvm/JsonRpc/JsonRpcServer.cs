using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.Brains.BasedEvm.JsonRpc;

/// <summary>Serves <see cref="EthJsonRpc"/> over HTTP POST with Kestrel, bound to 127.0.0.1 only.</summary>
internal sealed class JsonRpcServer : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The bound address once started, e.g. http://127.0.0.1:8545/.</summary>
    public Uri? Endpoint { get; private set; }

    public async Task StartAsync(int port, EthJsonRpc rpc, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(JsonRpcServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Limits.MaxRequestBodySize = EthJsonRpc.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });
        WebApplication app = builder.Build();
        app.Use(async (context, next) =>
        {
            // Browser tools (wallets, IDEs) call local nodes cross-origin.
            context.Response.Headers.AccessControlAllowOrigin = "*";
            context.Response.Headers.AccessControlAllowHeaders = "Content-Type";
            context.Response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
            if (HttpMethods.IsOptions(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            await next(context);
        });
        app.MapPost("/", async context =>
        {
            byte[] body;
            using (var buffer = new MemoryStream())
            {
                await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
                body = buffer.ToArray();
            }
            byte[] response = rpc.Handle(body);
            if (response.Length == 0)
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(response, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        _app = app;
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Endpoint = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
            await _app.DisposeAsync();
            _app = null;
            Endpoint = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
