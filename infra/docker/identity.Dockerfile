# The identity service, from the .NET SDK's published output (nothing is compiled in the image):
#   dotnet publish services/LiaisonNet.Identity -c Release -o out/identity
#   docker build -f infra/docker/identity.Dockerfile -t liaisonnet/identity:latest .
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY out/identity/ ./
# Keys and, on SQLite, data live here: mount a volume (shared by the instances where the manifests say so).
ENV Liaison__DataPath=/data
RUN mkdir -p /data && chown app /data
VOLUME /data
USER app
EXPOSE 5081 5085
ENTRYPOINT ["dotnet", "LiaisonNet.Identity.dll"]
