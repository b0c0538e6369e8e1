using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Execution;

/// <summary>An event emitted by LOG0..LOG4.</summary>
/// <param name="Address">The emitting contract.</param>
/// <param name="Topics">Zero to four indexed topics.</param>
/// <param name="Data">The unindexed data.</param>
public sealed record LogEntry(Address Address, Hash256[] Topics, byte[] Data);
