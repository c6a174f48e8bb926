# The directory service, from the .NET SDK's published output (nothing is compiled in the image):
#   dotnet publish services/LiaisonNet.Directory -c Release -o out/directory
#   docker build -f infra/docker/directory.Dockerfile -t liaisonnet/directory:latest .
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY out/directory/ ./
# Keys and, on SQLite, data live here: mount a volume (shared by the instances where the manifests say so).
ENV Liaison__DataPath=/data
RUN mkdir -p /data && chown app /data
VOLUME /data
USER app
EXPOSE 5082
ENTRYPOINT ["dotnet", "LiaisonNet.Directory.dll"]
