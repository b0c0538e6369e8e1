using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Runtime;
using Microsoft.Data.Sqlite;

namespace BasedAI.Ledger.Storage;

/// <summary>Where an included transaction landed.</summary>
/// <param name="Height">Block height.</param>
/// <param name="Index">Position in the block.</param>
/// <param name="Call">Call name.</param>
/// <param name="Success">False when the call failed.</param>
/// <param name="Error">Why it failed.</param>
public sealed record TransactionLocation(ulong Height, int Index, string Call, bool Success, string? Error);

/// <summary>
/// Blocks, state and transaction receipts in SQLite (WAL, synchronous=FULL). Each block is committed in one SQLite
/// transaction together with its state changes, receipts and the new head, so after any crash the database holds exactly
/// the blocks committed before it, with their state.
/// </summary>
public sealed class LedgerDatabase : IDisposable
{
    private readonly SqliteConnection _connection;

    private LedgerDatabase(SqliteConnection connection)
    {
        _connection = connection;
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        Execute("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS txs (hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL, call TEXT NOT NULL, ok INTEGER NOT NULL, error TEXT) WITHOUT ROWID;
            """);
    }

    /// <summary>Opens (or creates) the database file at <paramref name="path"/>.</summary>
    public static LedgerDatabase Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return new LedgerDatabase(connection);
    }

    /// <summary>A private in-memory database (tests, replays, benchmarks).</summary>
    public static LedgerDatabase OpenInMemory()
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        return new LedgerDatabase(connection);
    }

    /// <summary>Height of the last committed block, or null for an empty database.</summary>
    public ulong? HeadHeight => ReadMeta("head") is { } bytes ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) : null;

    /// <summary>Commits a block, its state changes and receipts, and makes it the head, atomically.</summary>
    public void CommitBlock(ulong height, Hash32 hash, byte[] encodedBlock, IReadOnlyDictionary<byte[], byte[]?> changes, IReadOnlyList<Receipt> receipts)
    {
        ArgumentNullException.ThrowIfNull(encodedBlock);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(receipts);
        using SqliteTransaction transaction = _connection.BeginTransaction();
        using (SqliteCommand insert = Command("INSERT INTO blocks (height, hash, data) VALUES ($h, $hash, $data)", transaction))
        {
            insert.Parameters.AddWithValue("$h", (long)height);
            insert.Parameters.AddWithValue("$hash", hash.ToArray());
            insert.Parameters.AddWithValue("$data", encodedBlock);
            insert.ExecuteNonQuery();
        }
        using (SqliteCommand upsert = Command("INSERT INTO state (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", transaction))
        using (SqliteCommand delete = Command("DELETE FROM state WHERE key = $k", transaction))
        {
            SqliteParameter upsertKey = upsert.Parameters.Add("$k", SqliteType.Blob);
            SqliteParameter upsertValue = upsert.Parameters.Add("$v", SqliteType.Blob);
            SqliteParameter deleteKey = delete.Parameters.Add("$k", SqliteType.Blob);
            foreach ((byte[] key, byte[]? value) in changes)
            {
                if (value is null)
                {
                    deleteKey.Value = key;
                    delete.ExecuteNonQuery();
                }
                else
                {
                    upsertKey.Value = key;
                    upsertValue.Value = value;
                    upsert.ExecuteNonQuery();
                }
            }
        }
        using (SqliteCommand tx = Command("INSERT OR REPLACE INTO txs (hash, height, idx, call, ok, error) VALUES ($hash, $h, $i, $c, $ok, $e)", transaction))
        {
            SqliteParameter txHash = tx.Parameters.Add("$hash", SqliteType.Blob);
            tx.Parameters.AddWithValue("$h", (long)height);
            SqliteParameter index = tx.Parameters.Add("$i", SqliteType.Integer);
            SqliteParameter call = tx.Parameters.Add("$c", SqliteType.Text);
            SqliteParameter ok = tx.Parameters.Add("$ok", SqliteType.Integer);
            SqliteParameter error = tx.Parameters.Add("$e", SqliteType.Text);
            for (int i = 0; i < receipts.Count; i++)
            {
                txHash.Value = receipts[i].Hash.ToArray();
                index.Value = i;
                call.Value = receipts[i].Call;
                ok.Value = receipts[i].Success ? 1 : 0;
                error.Value = (object?)receipts[i].Error ?? DBNull.Value;
                tx.ExecuteNonQuery();
            }
        }
        var head = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(head, height);
        WriteMeta("head", head, transaction);
        transaction.Commit();
    }

    /// <summary>The encoded block at a height, or null.</summary>
    public byte[]? GetBlock(ulong height)
    {
        using SqliteCommand command = Command("SELECT data FROM blocks WHERE height = $h");
        command.Parameters.AddWithValue("$h", (long)height);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>The height of a block hash, or null.</summary>
    public ulong? GetHeight(Hash32 hash)
    {
        using SqliteCommand command = Command("SELECT height FROM blocks WHERE hash = $hash");
        command.Parameters.AddWithValue("$hash", hash.ToArray());
        return command.ExecuteScalar() is long height ? (ulong)height : null;
    }

    /// <summary>Where a transaction was included, or null.</summary>
    public TransactionLocation? GetTransaction(Hash32 hash)
    {
        using SqliteCommand command = Command("SELECT height, idx, call, ok, error FROM txs WHERE hash = $hash");
        command.Parameters.AddWithValue("$hash", hash.ToArray());
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read()
            ? new TransactionLocation((ulong)reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3) != 0, reader.IsDBNull(4) ? null : reader.GetString(4))
            : null;
    }

    /// <summary>Every state entry.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> LoadState()
    {
        using SqliteCommand command = Command("SELECT key, value FROM state");
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new((byte[])reader[0], (byte[])reader[1]);
        }
    }

    /// <summary>A metadata value.</summary>
    public byte[]? ReadMeta(string key)
    {
        using SqliteCommand command = Command("SELECT value FROM meta WHERE key = $k");
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>Sets a metadata value outside a block commit.</summary>
    public void WriteMeta(string key, byte[] value) => WriteMeta(key, value, null);

    private void WriteMeta(string key, byte[] value, SqliteTransaction? transaction)
    {
        using SqliteCommand command = Command("INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", transaction);
        command.Parameters.AddWithValue("$k", key);
        command.Parameters.AddWithValue("$v", value);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private void Execute(string sql)
    {
        using SqliteCommand command = Command(sql);
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();
}
