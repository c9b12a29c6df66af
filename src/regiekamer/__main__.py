from regiekamer.faces.cli import main

main()
