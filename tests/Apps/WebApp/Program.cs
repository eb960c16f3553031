using Offload;
using WebApp;

// An endpoint whose work runs in a worker process. With --self-test the app listens on a free loopback port, calls its
// own endpoint once, prints the answer and exits (0 when it is right): a worker that ran this Main would listen too.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls(args.Contains("--self-test") ? "http://127.0.0.1:0" : builder.Configuration["urls"] ?? "http://127.0.0.1:5080");
var app = builder.Build();
app.MapGet("/query", async (HttpRequest request) => string.Join("&", await QueryWork.NormalizeAsync(request.QueryString.Value ?? "")));

if (!args.Contains("--self-test"))
{
    await app.RunAsync();
    return 0;
}

await app.StartAsync();
var address = app.Urls.First();
using var client = new HttpClient();
var answer = await client.GetStringAsync($"{address}/query?b=2&a=1&b=3");
var worker = await QueryWork.WorkerProcessIdAsync();
Console.WriteLine($"answer: {answer}");
await app.StopAsync();
var ok = answer == "a=1&b=2,3" && worker != Environment.ProcessId;
Console.WriteLine(ok ? "all checks passed" : $"FAIL: answer {answer}, worker pid {worker}");
return ok ? 0 : 1;
