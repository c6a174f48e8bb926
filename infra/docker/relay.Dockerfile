# The relay service, from the .NET SDK's published output (nothing is compiled in the image):
#   dotnet publish services/LiaisonNet.Relay -c Release -o out/relay
#   docker build -f infra/docker/relay.Dockerfile -t liaisonnet/relay:latest .
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY out/relay/ ./
# Keys and, on SQLite, data live here: mount a volume (shared by the instances where the manifests say so).
ENV Liaison__DataPath=/data
RUN mkdir -p /data && chown app /data
VOLUME /data
USER app
EXPOSE 5083
ENTRYPOINT ["dotnet", "LiaisonNet.Relay.dll"]
